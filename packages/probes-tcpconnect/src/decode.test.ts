import { describe, expect, it } from 'vitest';
import { mapDumpOf, skEventHeadInput } from '@sonde/probe-sdk';
import { decodeCounts, decodeEvent } from './decode.js';
import { tcpconnect_count, tcpconnect_event, tcpconnect_key } from './layout.gen.js';

/** the fields of a struct tcpconnect_event (head from sk_event.h); its bytes come from the generated layout */
interface Ev {
  pid: number;
  comm: string;
  af: number;
  lport: number;
  rport: number;
  laddr: number[];
  raddr: number[];
  latNs: bigint;
  ret: number;
  err: number;
  state: number;
  via: number;
}

function event(e: Ev): Buffer {
  const head = { tsNs: 1_000_000n, skaddr: 0xffff888104361280n, tid: e.pid, uid: 1000, netns: 4026531833, cgroup: 1n };
  return tcpconnect_event.encode({ h: skEventHeadInput({ ...head, ...e }), lat_ns: e.latNs, ret: e.ret, err: e.err, state: e.state, via: e.via });
}

const v6 = (...tail: number[]) => [...new Array(16 - tail.length).fill(0), ...tail];
const base = { pid: 4242, comm: 'curl', af: 2, lport: 40000, rport: 443, laddr: [10, 0, 0, 1], raddr: [10, 0, 0, 2] };

describe('decodeEvent', () => {
  it.each([
    {
      name: 'blocking connect that succeeded',
      ev: { ...base, latNs: 12_345n, ret: 0, err: 0, state: 1, via: 0 },
      want: { outcome: 'established', error: '', ret: 0, latUs: 12.345, via: 'connect', laddr: '10.0.0.1', raddr: '10.0.0.2', family: 4 },
    },
    {
      name: 'refused (RST), reported by connect(2)',
      ev: { ...base, latNs: 9_000n, ret: -111, err: 111, state: 7, via: 0 },
      want: { outcome: 'refused', error: 'ECONNREFUSED', ret: -111, latUs: 9, via: 'connect' },
    },
    {
      name: 'non-blocking IPv6 connect that timed out, seen at the state change',
      ev: { ...base, af: 10, laddr: v6(1), raddr: v6(2), latNs: 127_000_000_000n, ret: 0, err: 110, state: 7, via: 1 },
      want: { outcome: 'timeout', error: 'ETIMEDOUT', ret: null, latUs: 127_000_000, via: 'state', laddr: '::1', raddr: '::2', family: 6 },
    },
    {
      name: 'no free source port',
      ev: { ...base, lport: 0, latNs: 0n, ret: -99, err: 99, state: 7, via: 0 },
      want: { outcome: 'error', error: 'EADDRNOTAVAIL', latUs: null, lport: 0 },
    },
    {
      name: 'no route, before any SYN (fexit)',
      ev: { ...base, lport: 0, latNs: 0n, ret: -101, err: 101, state: 7, via: 2 },
      want: { outcome: 'unreachable', error: 'ENETUNREACH', ret: -101, latUs: null, via: 'before-syn', lport: 0 },
    },
  ])('$name', ({ ev, want }) => {
    const e = decodeEvent(event(ev));
    expect(e).toMatchObject({ pid: 4242, comm: 'curl', uid: 1000, rport: ev.rport, lport: ev.lport, ...want });
  });

  it('refuses a short record', () => {
    expect(() => decodeEvent(Buffer.alloc(tcpconnect_event.size - 8))).toThrow(/120 bytes/);
  });
});

describe('decodeCounts', () => {
  function dump(rows: Array<{ af: number; rport: number; laddr: number[]; raddr: number[]; connects: bigint; failed: bigint }>) {
    return mapDumpOf(
      tcpconnect_key,
      tcpconnect_count,
      rows.map((r) => [{ family: r.af, rport: r.rport, laddr: r.laddr, raddr: r.raddr }, { connects: r.connects, failed: r.failed }] as const),
    );
  }

  it('decodes keys of both families, busiest first', () => {
    const got = decodeCounts(
      dump([
        { af: 2, rport: 80, laddr: [127, 0, 0, 1], raddr: [127, 0, 0, 1], connects: 3n, failed: 1n },
        { af: 10, rport: 443, laddr: v6(1), raddr: v6(1), connects: 7n, failed: 0n },
      ]),
    );
    expect(got).toEqual([
      { family: 6, laddr: '::1', raddr: '::1', rport: 443, connects: 7, failed: 0 },
      { family: 4, laddr: '127.0.0.1', raddr: '127.0.0.1', rport: 80, connects: 3, failed: 1 },
    ]);
  });

  it('refuses a map of another layout', () => {
    expect(() => decodeCounts({ ...dump([{ af: 2, rport: 1, laddr: [], raddr: [], connects: 1n, failed: 0n }]), keySize: 40 })).toThrow(/36\/16/);
  });
});
