import { describe, expect, it } from 'vitest';
import { mapDumpOf, skEventHeadInput } from '@sonde/probe-sdk';
import { decodeEvent, decodeFlows } from './decode.js';
import { tcpretrans_count, tcpretrans_event, tcpretrans_flow_key } from './layout.gen.js';

/** a struct tcpretrans_event, its bytes from the generated layout */
function event(f: { pid: number; af: number; l: readonly number[]; r: readonly number[]; lport: number; rport: number; seq: number; segs: number; state: number; type: number }): Buffer {
  const h = skEventHeadInput({ tsNs: process.hrtime.bigint(), pid: f.pid, comm: 'srv', af: f.af, lport: f.lport, rport: f.rport, laddr: f.l, raddr: f.r });
  return tcpretrans_event.encode({ h, seq: f.seq, segs: f.segs, state: f.state, type: f.type });
}

describe('decodeEvent', () => {
  it.each([
    [{ pid: 9, af: 2, l: [10, 0, 0, 1], r: [10, 0, 0, 2], lport: 80, rport: 50000, seq: 4_294_967_295, segs: 1, state: 1, type: 1 }, { type: 'R', state: 'ESTABLISHED', seq: 4_294_967_295, segs: 1 }],
    [{ pid: 9, af: 2, l: [10, 0, 0, 1], r: [10, 0, 0, 2], lport: 80, rport: 50001, seq: 12345, segs: 1, state: 3, type: 2 }, { type: 'S', state: 'SYN_RECV', seq: 12345 }],
    [{ pid: 0, af: 10, l: [...Array(15).fill(0), 1], r: [...Array(15).fill(0), 2], lport: 443, rport: 1, seq: 7, segs: 44, state: 4, type: 1 }, { family: 6, raddr: '::2', state: 'FIN_WAIT1', segs: 44 }],
    [{ pid: 9, af: 2, l: [10, 0, 0, 1], r: [10, 0, 0, 2], lport: 80, rport: 50002, seq: 99, segs: 0, state: 1, type: 3 }, { type: 'L', state: 'ESTABLISHED', seq: 99, segs: 0 }],
  ] as const)('decodes %o', (f, want) => {
    expect(decodeEvent(event(f))).toMatchObject({ pid: f.pid, lport: f.lport, rport: f.rport, ...want });
  });
  it('refuses a short record', () => {
    expect(() => decodeEvent(Buffer.alloc(50))).toThrow(/112/);
  });
});

describe('decodeFlows', () => {
  it('decodes sock_tuple + cgroup keys and counts, busiest first', () => {
    const rows = [
      [2, 80, 50000, [10, 0, 0, 1], [10, 0, 0, 2], 3, 5, 2],
      [2, 80, 50001, [10, 0, 0, 1], [10, 0, 0, 3], 9, 9, 0],
    ] as const;
    const dump = mapDumpOf(
      tcpretrans_flow_key,
      tcpretrans_count,
      rows.map(([family, lport, rport, laddr, raddr, retransmits, segments, tlp], i) => [
        { t: { family, lport, rport, laddr: [...laddr], raddr: [...raddr] }, cgroup: BigInt(7000 + i) },
        { retransmits, segments, tlp },
      ] as const),
    );
    expect(decodeFlows(dump)).toEqual([
      { family: 4, laddr: '10.0.0.1', lport: 80, raddr: '10.0.0.3', rport: 50001, cgroup: '7001', retransmits: 9, segments: 9, tlp: 0 },
      { family: 4, laddr: '10.0.0.1', lport: 80, raddr: '10.0.0.2', rport: 50000, cgroup: '7000', retransmits: 3, segments: 5, tlp: 2 },
    ]);
    expect(() => decodeFlows({ ...dump, valueSize: 8 })).toThrow(/disagree/);
  });
});
