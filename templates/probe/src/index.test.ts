import { describe, expect, it } from 'vitest';
import { skEventHeadInput } from '@sonde/probe-sdk';
import { __probe___event } from './layout.gen.js';
import { decodeEvent, render } from './index.js';

describe('__probe__ decode', () => {
  it('names the states of a record built from the generated layout', () => {
    const h = skEventHeadInput({ tsNs: 1_000_000n, skaddr: 0xffff8881n, pid: 4242, comm: 'curl', af: 2, lport: 40000, rport: 443, laddr: [10, 0, 0, 1], raddr: [10, 0, 0, 2] });
    const e = decodeEvent(__probe___event.encode({ h, oldstate: 2, newstate: 1 }));
    expect(e).toMatchObject({ pid: 4242, comm: 'curl', laddr: '10.0.0.1', raddr: '10.0.0.2', lport: 40000, rport: 443, oldstate: 'SYN_SENT', newstate: 'ESTABLISHED' });
  });

  it('refuses a short record', () => {
    expect(() => decodeEvent(Buffer.alloc(__probe___event.size - 1))).toThrow(/bytes/);
  });

  it('renders the counts per state', () => {
    expect(render({ byState: { ESTABLISHED: 2, CLOSE: 2 }, total: 4 })).toBe(['NEWSTATE    CHANGES', 'ESTABLISHED       2', 'CLOSE             2', '4 state changes', ''].join('\n'));
  });
});
