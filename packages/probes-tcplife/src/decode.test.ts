import { describe, expect, it } from 'vitest';
import { mapDumpOf, skEventHeadInput, type LayoutInput } from '@sonde/probe-sdk';
import { decodeEvent, decodeHists } from './decode.js';
import { maps, tcplife_event, tcplife_hist } from './layout.gen.js';

/** a struct tcplife_event from its fields; its bytes come from the generated layout */
function event(f: { pid: number; comm: string; af: number; l: readonly number[]; r: readonly number[]; lport: number; rport: number; tx: bigint; rx: bigint; durNs: bigint }): Buffer {
  return tcplife_event.encode({
    h: skEventHeadInput({ tsNs: process.hrtime.bigint(), skaddr: 0xffff88800abcd000n, pid: f.pid, comm: f.comm, af: f.af, lport: f.lport, rport: f.rport, laddr: f.l, raddr: f.r }),
    tx_bytes: Number(f.tx),
    rx_bytes: Number(f.rx),
    dur_ns: Number(f.durNs),
  });
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
  /** the hists array (u32 index -> struct tcplife_hist) with `count` entries, each from `hist(i)` */
  function dump(hist: (i: number) => LayoutInput<tcplife_hist>, count: number = maps.hists.maxEntries) {
    return mapDumpOf(maps.hists.key, tcplife_hist, Array.from({ length: count }, (_, i) => [i, hist(i)] as const));
  }
  const SLOTS = tcplife_hist.fields.find(([n]) => n === 'slots')![3]!;

  it('gives duration (usecs) and byte histograms with the session count', () => {
    const s = decodeHists(
      dump((i) => {
        const slots = new Array<number>(SLOTS).fill(0);
        slots[10 + i] = 2; // two sessions in bucket 10+i
        return { slots, sum: 3000 * (i + 1), cnt: 2 };
      }),
    );
    expect(s.sessions).toBe(2);
    expect(s.duration).toMatchObject({ unit: 'usecs', count: 2, sum: 3000 });
    expect(s.duration.buckets[10]).toEqual({ lo: 1024, hi: 2047, count: 2 });
    expect(s.txBytes).toMatchObject({ unit: 'bytes', count: 2, sum: 6000 });
    expect(s.rxBytes.buckets[12]!.count).toBe(2);
  });

  it('refuses a map whose layout disagrees', () => {
    expect(() => decodeHists(dump(() => ({}), 2))).toThrow(/disagree/);
  });
});
