import { describe, expect, it } from 'vitest';
import { encodeAll, type MapDump } from '@sonde/probe-sdk';
import { decodeHists, deltaKeyed, indexById, toKeyed } from './decode.js';
import { hist, hist_key } from './layout.gen.js';

/** a struct hist_key and its struct hist, by field (bytes from the generated layouts) */
interface Entry {
  family?: number; // AF_INET 2, AF_INET6 10, 0 when not grouped
  addr?: number[];
  cgroup?: bigint; // the socket's cgroup when grouped by pod or container
  slots: Record<number, bigint>;
  sum: bigint;
  cnt?: bigint;
  min?: bigint;
  max?: bigint;
}

/** the length of struct hist's slots[] (TCPRTT_MAX_SLOTS) */
const SLOTS = hist.fields.find(([name]) => name === 'slots')![3]!;

function dump(entries: Entry[], sizes: { key?: number; value?: number } = {}): MapDump {
  // padding is ignored: the key's pad bytes are not zero
  const keys = Buffer.alloc(entries.length * hist_key.size, 0xee);
  entries.forEach((e, i) => hist_key.encodeInto(keys, i * hist_key.size, { family: e.family ?? 0, addr: e.addr ?? [], cgroup: e.cgroup ?? 0n }));
  const values = encodeAll(
    hist,
    entries.map((e) => {
      const slots = Array.from({ length: SLOTS }, (_, i) => e.slots[i] ?? 0n);
      const cnt = slots.reduce((a, n) => a + n, 0n);
      return { slots, latency: e.sum, cnt: e.cnt ?? cnt, min: e.min ?? 2n ** 64n - 1n, max: e.max ?? 0n };
    }),
  );
  return { keys, values, count: entries.length, keySize: sizes.key ?? hist_key.size, valueSize: sizes.value ?? hist.size };
}

const v6 = (...tail: number[]) => [...new Array(16 - tail.length).fill(0), ...tail];

describe('decodeHists + toKeyed', () => {
  it.each<{ name: string; entries: Entry[]; want: unknown[] }>([
    {
      name: 'ungrouped: one key of zeros',
      entries: [{ slots: { 4: 126n, 5: 77n }, sum: 6353n, min: 17n, max: 42n }],
      want: [{ key: null, count: 203, sum: 6353, min: 17, max: 42, top: { lo: 32, hi: 63, count: 77 }, n: 6 }],
    },
    {
      name: 'by remote address, IPv4 and IPv6, busiest first',
      entries: [
        { family: 2, addr: [10, 0, 0, 1], slots: { 7: 3n }, sum: 400n, min: 130n, max: 140n },
        { family: 10, addr: v6(1), slots: { 4: 60n, 5: 42n }, sum: 3183n, min: 27n, max: 42n },
        { family: 10, addr: [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 9], slots: { 26: 1n }, sum: 2n ** 27n, min: 2n ** 27n, max: 2n ** 27n },
      ],
      want: [
        { key: '::1', family: 6, count: 102, sum: 3183, min: 27, max: 42, top: { lo: 32, hi: 63, count: 42 }, n: 6 },
        { key: '10.0.0.1', family: 4, count: 3, sum: 400, min: 130, max: 140, top: { lo: 128, hi: 255, count: 3 }, n: 8 },
        // the last slot also takes larger values (the kernel clamps)
        { key: '2001:db8::9', family: 6, count: 1, sum: 2 ** 27, min: 2 ** 27, max: 2 ** 27, top: { lo: 2 ** 26, hi: 2 ** 27 - 1, count: 1 }, n: 27 },
      ],
    },
    {
      name: 'msecs on loopback: everything in bucket 0, min 0 is a real value',
      entries: [{ family: 2, addr: [127, 0, 0, 1], slots: { 0: 102n }, sum: 0n, min: 0n, max: 0n }],
      want: [{ key: '127.0.0.1', family: 4, count: 102, sum: 0, min: 0, max: 0, top: { lo: 0, hi: 1, count: 102 }, n: 1 }],
    },
    {
      name: 'an entry caught between insert and first increment is left out',
      entries: [{ family: 2, addr: [127, 0, 0, 1], slots: {}, sum: 0n }],
      want: [],
    },
  ])('$name', ({ entries, want }) => {
    const raw = decodeHists(dump(entries));
    expect(raw).toHaveLength(entries.length);
    const got = toKeyed(raw, 'usecs').map((k) => ({
      key: k.key,
      ...(k.family ? { family: k.family } : {}),
      count: k.hist.count,
      sum: k.hist.sum,
      min: k.hist.min,
      max: k.hist.max,
      top: k.hist.buckets.at(-1),
      n: k.hist.buckets.length,
    }));
    expect(got).toEqual(want);
  });

  it('maps the "no sample yet" min (~0) to null', () => {
    const [r] = decodeHists(dump([{ slots: {}, sum: 0n, cnt: 0n }]));
    expect(r).toMatchObject({ family: null, count: 0n, min: null, max: null });
  });

  it('keys by the socket cgroup id when grouped by pod or container', () => {
    const hs = toKeyed(decodeHists(dump([{ cgroup: 195421n, slots: { 4: 2n }, sum: 40n }, { cgroup: 195402n, slots: { 6: 5n }, sum: 400n }])), 'usecs');
    expect(hs.map((h) => [h.key, h.cgroup, h.hist.count])).toEqual([
      ['195402', '195402', 5],
      ['195421', '195421', 2],
    ]);
  });

  it('refuses a map whose layout is not the one it knows', () => {
    expect(() => decodeHists(dump([], { key: 8 }))).toThrow(/key\/value sizes 8\/248, expected 32\/248/);
    expect(() => decodeHists(dump([], { value: 216 }))).toThrow(/ProbeLoadError|expected 32\/248/);
  });
});

describe('deltaKeyed (interval series)', () => {
  const t1 = decodeHists(
    dump([
      { family: 2, addr: [10, 0, 0, 1], slots: { 4: 10n, 5: 5n }, sum: 400n, min: 20n, max: 50n },
      { family: 2, addr: [10, 0, 0, 2], slots: { 6: 1n }, sum: 70n, min: 70n, max: 70n },
    ]),
  );
  const t2 = decodeHists(
    dump([
      { family: 2, addr: [10, 0, 0, 1], slots: { 3: 2n, 4: 10n, 5: 8n }, sum: 500n, min: 9n, max: 50n },
      { family: 2, addr: [10, 0, 0, 2], slots: { 6: 1n }, sum: 70n, min: 70n, max: 70n },
      { family: 2, addr: [10, 0, 0, 3], slots: { 2: 1n }, sum: 5n, min: 5n, max: 5n },
    ]),
  );

  it('is the first snapshot itself at the start', () => {
    expect(deltaKeyed(t1, new Map(), 'usecs')).toEqual(toKeyed(t1, 'usecs'));
  });

  it('counts only what arrived in between, and drops idle keys', () => {
    const d = deltaKeyed(t2, indexById(t1), 'usecs');
    expect(d.map((k) => k.key)).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(d[0]!.hist.buckets.map((b) => b.count)).toEqual([0, 0, 0, 2, 0, 3]);
    // min moved (9 < 20): exact for the interval; max did not: unknown
    expect(d[0]!.hist).toMatchObject({ count: 5, sum: 100, min: 9, max: null });
    expect(d[1]!.hist).toMatchObject({ count: 1, sum: 5, min: 5, max: 5 });
  });
});
