import { describe, expect, it } from 'vitest';
import { mapDumpOf, skEventHeadInput, type MapDump } from '@sonde/probe-sdk';
import { decodeEvent, decodeHists } from './decode.js';
import { tcpconnlat_event, tcpconnlat_hist, tcpconnlat_hist_key } from './layout.gen.js';

/** a struct tcpconnlat_event from its fields; its bytes come from the generated layout */
function event(o: { af: number; laddr: number[]; raddr: number[]; lport: number; rport: number; latNs: bigint; err: number; state: number }): Buffer {
  const h = skEventHeadInput({ tsNs: 5_000_000n, skaddr: 0xffff888104365000n, pid: 7164, tid: 7165, comm: 'python3', ...o });
  return tcpconnlat_event.encode({ h, lat_ns: Number(o.latNs), err: o.err, state: o.state });
}

describe('decodeEvent', () => {
  it.each([
    {
      name: 'established IPv4',
      o: { af: 2, laddr: [10, 231, 7, 1], raddr: [10, 231, 7, 2], lport: 45174, rport: 8080, latNs: 51_293n, err: 0, state: 1 },
      want: { latUs: 51.293, outcome: 'established', error: '', laddr: '10.231.7.1', raddr: '10.231.7.2', family: 4 },
    },
    {
      name: 'refused IPv6',
      o: { af: 10, laddr: [...new Array(15).fill(0), 1], raddr: [...new Array(15).fill(0), 1], lport: 45952, rport: 1, latNs: 11_469n, err: 111, state: 7 },
      want: { latUs: 11.469, outcome: 'refused', error: 'ECONNREFUSED', laddr: '::1', raddr: '::1', family: 6 },
    },
    {
      name: 'timed out after 127 s',
      o: { af: 2, laddr: [10, 0, 0, 1], raddr: [192, 0, 2, 1], lport: 40000, rport: 443, latNs: 127_012_000_000n, err: 110, state: 7 },
      want: { latUs: 127_012_000, outcome: 'timeout', error: 'ETIMEDOUT' },
    },
  ])('$name', ({ o, want }) => {
    expect(decodeEvent(event(o))).toMatchObject({ pid: 7164, tid: 7165, comm: 'python3', lport: o.lport, rport: o.rport, ...want });
  });

  it('refuses a short record', () => expect(() => decodeEvent(Buffer.alloc(96))).toThrow(/112 bytes/));
});

describe('decodeHists', () => {
  /** the hists map (struct tcpconnlat_hist_key -> struct tcpconnlat_hist); idx = i % 2 unless given */
  function dump(entries: Array<{ slots: Record<number, bigint>; sum: bigint; min1: bigint; max: bigint; idx?: number; cgroup?: bigint }>): MapDump {
    const nslots = tcpconnlat_hist.fields.find(([n]) => n === 'slots')![3]!;
    return mapDumpOf(
      tcpconnlat_hist_key,
      tcpconnlat_hist,
      entries.map((e, i) => {
        const slots = new Array<number>(nslots).fill(0);
        for (const [s, n] of Object.entries(e.slots)) slots[Number(s)] = Number(n);
        const cnt = slots.reduce((a, b) => a + b, 0);
        return [{ idx: e.idx ?? i % 2, cgroup: e.cgroup ?? 0n }, { slots, sum: Number(e.sum), cnt, min1: Number(e.min1), max: Number(e.max) }] as const;
      }),
    );
  }

  it('decodes established and failed, min stored + 1', () => {
    const { established, failed } = decodeHists(
      dump([
        { slots: { 2: 1n, 5: 3n }, sum: 160n, min1: 5n, max: 51n },
        { slots: { 0: 1n }, sum: 0n, min1: 1n, max: 0n },
      ]),
    );
    expect(established).toMatchObject({ unit: 'usecs', count: 4, sum: 160, min: 4, max: 51 });
    expect(established.buckets[5]).toEqual({ lo: 32, hi: 63, count: 3 });
    expect(failed).toMatchObject({ count: 1, sum: 0, min: 0, max: 0 });
  });

  it('merges the cgroups of a job grouped by owner, and keeps each', () => {
    const { established, failed, byCgroup } = decodeHists(
      dump([
        { slots: { 2: 1n }, sum: 5n, min1: 6n, max: 5n, idx: 0, cgroup: 4242n },
        { slots: { 5: 2n }, sum: 80n, min1: 36n, max: 44n, idx: 0, cgroup: 4343n },
        { slots: { 3: 1n }, sum: 9n, min1: 10n, max: 9n, idx: 1, cgroup: 4343n },
      ]),
    );
    expect(established).toMatchObject({ count: 3, sum: 85, min: 5, max: 44 });
    expect(failed).toMatchObject({ count: 1, sum: 9 });
    expect(byCgroup.map((c) => [c.cgroup, c.established.count, c.failed.count])).toEqual([
      ['4242', 1, 0],
      ['4343', 2, 1],
    ]);
  });

  it('gives empty histograms when nothing was counted', () => {
    const { established, failed } = decodeHists(dump([{ slots: {}, sum: 0n, min1: 0n, max: 0n }, { slots: {}, sum: 0n, min1: 0n, max: 0n }]));
    expect(established.count).toBe(0);
    expect(established.min).toBeNull();
    expect(failed.buckets).toEqual([]);
  });
});
