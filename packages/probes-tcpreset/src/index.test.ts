import { describe, expect, it } from 'vitest';
import { skEventHeadInput } from '@sonde/probe-sdk';
import { tcpreset_event } from './layout.gen.js';
import { NO_REASON, decodeEvent, rstReasons } from './decode.js';
import { render } from './render.js';

// a few enumerators as a kernel's BTF lists them (the real ones come from ctx.kernelEnum)
const reasons = rstReasons([
  { name: 'SK_RST_REASON_NOT_SPECIFIED', value: 0 },
  { name: 'SK_RST_REASON_NO_SOCKET', value: 1 },
  { name: 'SK_RST_REASON_TCP_ABORT_ON_DATA', value: 8 },
  { name: 'SK_RST_REASON_MAX', value: 25 },
]);

describe('tcpreset decode', () => {
  const h = skEventHeadInput({ tsNs: 1_000_000n, skaddr: 0xffff8881n, pid: 4242, comm: 'curl', af: 2, lport: 40000, rport: 443, laddr: [10, 0, 0, 1], raddr: [10, 0, 0, 2] });

  it('names the reason from the kernel enum, the state, the direction and the flags', () => {
    const e = decodeEvent(tcpreset_event.encode({ h, reason: 8, dir: 0, state: 7, flags: 0 }), reasons);
    expect(e).toMatchObject({ pid: 4242, comm: 'curl', laddr: '10.0.0.1', lport: 40000, raddr: '10.0.0.2', rport: 443, direction: 'sent', reason: 'TCP_ABORT_ON_DATA', state: 'CLOSE', active: false, late: false });
  });

  it('gives null where the kernel passes no reason, and a socket-less reset no state', () => {
    const rx = decodeEvent(tcpreset_event.encode({ h, reason: NO_REASON, dir: 1, state: 5, flags: 4 }), reasons);
    expect(rx).toMatchObject({ direction: 'received', reason: null, state: 'FIN_WAIT2', late: true });
    const nosk = decodeEvent(tcpreset_event.encode({ h, reason: 1, dir: 0, state: 0, flags: 1 }), reasons);
    expect(nosk).toMatchObject({ reason: 'NO_SOCKET', state: '-' });
    expect(decodeEvent(tcpreset_event.encode({ h, reason: 99, dir: 0, state: 1, flags: 2 }), reasons)).toMatchObject({ reason: 'REASON_99', active: true });
  });

  it('refuses a short record', () => {
    expect(() => decodeEvent(Buffer.alloc(tcpreset_event.size - 1), reasons)).toThrow(/bytes/);
  });

  it('renders the counts per direction and reason, then the flows', () => {
    const out = render({
      total: { sent: 1, received: 1 },
      reasons: [
        { direction: 'sent', reason: 'NO_SOCKET', count: 1 },
        { direction: 'received', reason: null, count: 1 },
      ],
      flows: [{ direction: 'received', family: 4, laddr: '10.0.0.1', lport: 40000, raddr: '10.0.0.2', rport: 9, netns: 1, reason: null, cgroup: '0', pid: 7, comm: 'curl', count: 1 }],
      flowCount: 1,
      flowsMissed: 0,
    });
    expect(out).toBe(
      [
        'DIR      REASON    RESETS',
        'sent     NO_SOCKET      1',
        'received -              1',
        '1 sent, 1 received',
        '',
        'DIR      LOCAL          REMOTE     REASON PID COMM RESETS',
        'received 10.0.0.1:40000 10.0.0.2:9 -        7 curl      1',
        '',
      ].join('\n'),
    );
  });
});
