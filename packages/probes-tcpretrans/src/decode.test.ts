import { describe, expect, it } from 'vitest';
import { encodeSkEventHead, SK_EVENT_HEAD_SIZE, type MapDump } from '@sonde/probe-sdk';
import { decodeEvent, decodeFlows, EVENT_SIZE, FLOW_KEY_SIZE, FLOW_VALUE_SIZE } from './decode.js';

/** struct tcpretrans_event as bpf/tcpretrans.h lays it out */
function event(f: { pid: number; af: number; l: number[]; r: number[]; lport: number; rport: number; seq: number; segs: number; state: number; type: number }): Buffer {
  const b = encodeSkEventHead({ tsNs: process.hrtime.bigint(), pid: f.pid, comm: 'srv', af: f.af, lport: f.lport, rport: f.rport, laddr: f.l, raddr: f.r }, EVENT_SIZE);
  b.writeUInt32LE(f.seq, SK_EVENT_HEAD_SIZE);
  b.writeUInt32LE(f.segs, SK_EVENT_HEAD_SIZE + 4);
  b[SK_EVENT_HEAD_SIZE + 8] = f.state;
  b[SK_EVENT_HEAD_SIZE + 9] = f.type;
  return b;
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
    const keys = Buffer.alloc(2 * FLOW_KEY_SIZE);
    const values = Buffer.alloc(2 * FLOW_VALUE_SIZE);
    [[2, 80, 50000, [10, 0, 0, 1], [10, 0, 0, 2], 3n, 5n, 2n], [2, 80, 50001, [10, 0, 0, 1], [10, 0, 0, 3], 9n, 9n, 0n]].forEach(([af, lp, rp, l, r, n, s, t], i) => {
      const k = i * FLOW_KEY_SIZE;
      keys.writeUInt16LE(af as number, k);
      keys.writeUInt16LE(lp as number, k + 2);
      keys.writeUInt16LE(rp as number, k + 4);
      Buffer.from(l as number[]).copy(keys, k + 8);
      Buffer.from(r as number[]).copy(keys, k + 24);
      keys.writeBigUInt64LE(BigInt(7000 + i), k + 40);
      values.writeBigUInt64LE(n as bigint, i * FLOW_VALUE_SIZE);
      values.writeBigUInt64LE(s as bigint, i * FLOW_VALUE_SIZE + 8);
      values.writeBigUInt64LE(t as bigint, i * FLOW_VALUE_SIZE + 16);
    });
    const dump: MapDump = { keys, values, count: 2, keySize: FLOW_KEY_SIZE, valueSize: FLOW_VALUE_SIZE };
    expect(decodeFlows(dump)).toEqual([
      { family: 4, laddr: '10.0.0.1', lport: 80, raddr: '10.0.0.3', rport: 50001, cgroup: '7001', retransmits: 9, segments: 9, tlp: 0 },
      { family: 4, laddr: '10.0.0.1', lport: 80, raddr: '10.0.0.2', rport: 50000, cgroup: '7000', retransmits: 3, segments: 5, tlp: 2 },
    ]);
    expect(() => decodeFlows({ ...dump, valueSize: 8 })).toThrow(/disagree/);
  });
});
