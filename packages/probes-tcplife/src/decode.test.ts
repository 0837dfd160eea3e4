import { describe, expect, it } from 'vitest';
import { encodeSkEventHead, SK_EVENT_HEAD_SIZE, type MapDump } from '@sonde/probe-sdk';
import { decodeEvent, decodeHists, EVENT_SIZE, HIST_SIZE, MAX_SLOTS } from './decode.js';

/** struct tcplife_event as bpf/tcplife.h lays it out */
function event(f: { pid: number; comm: string; af: number; l: number[]; r: number[]; lport: number; rport: number; tx: bigint; rx: bigint; durNs: bigint }): Buffer {
  const b = encodeSkEventHead({ tsNs: process.hrtime.bigint(), skaddr: 0xffff88800abcd000n, pid: f.pid, comm: f.comm, af: f.af, lport: f.lport, rport: f.rport, laddr: f.l, raddr: f.r }, EVENT_SIZE);
  b.writeBigUInt64LE(f.tx, SK_EVENT_HEAD_SIZE);
  b.writeBigUInt64LE(f.rx, SK_EVENT_HEAD_SIZE + 8);
  b.writeBigUInt64LE(f.durNs, SK_EVENT_HEAD_SIZE + 16);
  return b;
}

describe('decodeEvent', () => {
  it.each([
    [{ pid: 10, comm: 'curl', af: 2, l: [10, 0, 0, 2], r: [93, 184, 216, 34], lport: 40000, rport: 443, tx: 517n, rx: 5120n, durNs: 12_345_678n }, { txBytes: 517, rxBytes: 5120, ms: 12.346, laddr: '10.0.0.2', raddr: '93.184.216.34' }],
    [{ pid: 0, comm: '', af: 10, l: [...Array(15).fill(0), 1], r: [...Array(15).fill(0), 1], lport: 80, rport: 50000, tx: 0n, rx: 0n, durNs: 999n }, { txBytes: 0, rxBytes: 0, ms: 0.001, family: 6, laddr: '::1' }],
    [{ pid: 1, comm: 'big', af: 2, l: [1, 1, 1, 1], r: [2, 2, 2, 2], lport: 1, rport: 2, tx: 2n ** 40n, rx: 7n, durNs: 3_600_000_000_000n }, { txBytes: 2 ** 40, ms: 3_600_000 }],
  ] as const)('decodes %o', (f, want) => {
    expect(decodeEvent(event(f))).toMatchObject({ pid: f.pid, comm: f.comm, lport: f.lport, rport: f.rport, ...want });
  });

  it('refuses a short record', () => {
    expect(() => decodeEvent(Buffer.alloc(96))).toThrow(/120/);
  });
});

describe('decodeHists', () => {
  function dump(fill: (i: number, v: Buffer) => void, count = 3): MapDump {
    const keys = Buffer.alloc(4 * count);
    const values = Buffer.alloc(HIST_SIZE * count);
    for (let i = 0; i < count; i++) {
      keys.writeUInt32LE(i, 4 * i);
      fill(i, values.subarray(i * HIST_SIZE, (i + 1) * HIST_SIZE));
    }
    return { keys, values, count, keySize: 4, valueSize: HIST_SIZE };
  }

  it('gives duration (usecs) and byte histograms with the session count', () => {
    const s = decodeHists(
      dump((i, v) => {
        v.writeBigUInt64LE(2n, 8 * (10 + i)); // two sessions in bucket 10+i
        v.writeBigUInt64LE(BigInt(3000 * (i + 1)), 8 * MAX_SLOTS);
        v.writeBigUInt64LE(2n, 8 * (MAX_SLOTS + 1));
      }),
    );
    expect(s.sessions).toBe(2);
    expect(s.duration).toMatchObject({ unit: 'usecs', count: 2, sum: 3000 });
    expect(s.duration.buckets[10]).toEqual({ lo: 1024, hi: 2047, count: 2 });
    expect(s.txBytes).toMatchObject({ unit: 'bytes', count: 2, sum: 6000 });
    expect(s.rxBytes.buckets[12]!.count).toBe(2);
  });

  it('refuses a map whose layout disagrees', () => {
    expect(() => decodeHists(dump(() => {}, 2))).toThrow(/disagree/);
  });
});
