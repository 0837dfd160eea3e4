import { describe, expect, it } from 'vitest';
import { log2Bounds, log2Histogram, log2Index, mergeHistograms, percentile, subtractSlots, emptyHistogram, type Histogram } from './histogram.js';

describe('log2 buckets', () => {
  it('uses inclusive bounds as the upstream text shows them', () => {
    expect([0, 1, 2, 3, 10].map(log2Bounds)).toEqual([
      { lo: 0, hi: 1 },
      { lo: 2, hi: 3 },
      { lo: 4, hi: 7 },
      { lo: 8, hi: 15 },
      { lo: 1024, hi: 2047 },
    ]);
    expect([0, 1, 2, 3, 4, 7, 8, 1023, 1024].map(log2Index)).toEqual([0, 0, 1, 1, 2, 2, 3, 9, 10]);
  });

  it('builds all buckets from 0 to the highest non-empty one, from numbers or bigints', () => {
    const slots = new BigUint64Array(27);
    slots[4] = 126n;
    slots[5] = 77n;
    const h = log2Histogram(slots, { unit: 'usecs', sum: 6353n, min: 17n, max: 42n });
    expect(h.buckets).toHaveLength(6);
    expect(h.buckets[0]).toEqual({ lo: 0, hi: 1, count: 0 });
    expect(h.buckets[5]).toEqual({ lo: 32, hi: 63, count: 77 });
    expect(h).toMatchObject({ unit: 'usecs', count: 203, sum: 6353, avg: 31.296, min: 17, max: 42 });
    expect(h.sumEstimated).toBeUndefined();
    // plain JSON round trip, no bigint left
    expect(JSON.parse(JSON.stringify(h))).toEqual(h);
  });

  it('is empty, not absent, with no samples', () => {
    const h = log2Histogram([0, 0, 0], { unit: 'msecs', sum: 0, min: 5, max: 0 });
    expect(h).toEqual({ unit: 'msecs', buckets: [], count: 0, sum: 0, avg: null, min: null, max: null, p50: null, p90: null, p99: null });
    expect(emptyHistogram('msecs')).toEqual(h);
  });

  it('estimates the sum from midpoints only when none is given, and says so', () => {
    const h = log2Histogram([0, 0, 2], { unit: 'usecs' });
    expect(h.sum).toBe(11);
    expect(h.sumEstimated).toBe(true);
    expect(h.avg).toBe(5.5);
  });
});

describe('percentile', () => {
  const h = log2Histogram([10, 0, 0, 20, 60, 10], { unit: 'usecs', sum: 1500, min: 1, max: 50 });

  it('lies inside the bounds of the bucket holding the rank', () => {
    // 100 samples: rank 50 falls in bucket 4 (cumulative 30..90) at 20/60 of the way
    expect(h.p50).toEqual({ value: 16 + (20 / 60) * 15, lo: 16, hi: 31 });
    expect(h.p90).toEqual({ value: 31, lo: 16, hi: 31 });
    // rank 99 in bucket 5 [32, 63]; interpolation gives 59.9 but max is 50
    expect(h.p99).toEqual({ value: 50, lo: 32, hi: 63 });
    for (const q of [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1]) {
      const p = percentile(h, q)!;
      expect(p.value).toBeGreaterThanOrEqual(p.lo);
      expect(p.value).toBeLessThanOrEqual(p.hi);
    }
  });

  it('starts at the first non-empty bucket and keeps within min', () => {
    expect(percentile(h, 0)).toEqual({ value: 1, lo: 0, hi: 1 });
    const g = log2Histogram([0, 0, 0, 4], { unit: 'usecs', sum: 40, min: 9, max: 12 });
    expect(percentile(g, 0)).toEqual({ value: 9, lo: 8, hi: 15 });
    expect(percentile(g, 1)).toEqual({ value: 12, lo: 8, hi: 15 });
  });

  it('rejects q outside [0, 1] and is null when empty', () => {
    expect(() => percentile(h, 50)).toThrow(/\[0, 1\]/);
    expect(percentile(emptyHistogram('usecs'), 0.5)).toBeNull();
  });
});

describe('mergeHistograms', () => {
  const a = log2Histogram([1, 0, 3, 4], { unit: 'usecs', sum: 40, min: 1, max: 14 });
  const b = log2Histogram([0, 2, 0, 0, 0, 5], { unit: 'usecs', sum: 200, min: 2, max: 60 });

  it('equals the bucket-wise sum, with min of mins and max of maxes', () => {
    const m = mergeHistograms([a, b]);
    expect(m.buckets.map((x) => x.count)).toEqual([1, 2, 3, 4, 0, 5]);
    expect(m.buckets.map((x) => x.lo)).toEqual([0, 2, 4, 8, 16, 32]);
    expect(m).toMatchObject({ count: 15, sum: 240, avg: 16, min: 1, max: 60 });
    // percentiles recomputed on the merged buckets
    expect(m.p50).toEqual(percentile(m, 0.5));
    expect(m.p50!.lo).toBe(8);
    // same as building from the summed slots directly
    expect(m).toEqual(log2Histogram([1, 2, 3, 4, 0, 5], { unit: 'usecs', sum: 240, min: 1, max: 60 }));
  });

  it('ignores empty inputs for min/max and needs a unit for none', () => {
    expect(mergeHistograms([emptyHistogram('usecs'), a])).toEqual(a);
    expect(mergeHistograms([], 'usecs')).toEqual(emptyHistogram('usecs'));
    expect(() => mergeHistograms([])).toThrow(/no unit/);
  });

  it('refuses to mix units or bucket layouts', () => {
    const ms = log2Histogram([1], { unit: 'msecs', sum: 1 });
    expect(() => mergeHistograms([a, ms])).toThrow(/different units: 'msecs' and 'usecs'/);
    const odd: Histogram = { ...a, buckets: [{ lo: 0, hi: 9, count: 1 }] };
    expect(() => mergeHistograms([a, odd])).toThrow(/different buckets at index 0/);
  });
});

describe('subtractSlots', () => {
  it('gives interval deltas from cumulative counters', () => {
    expect(subtractSlots([5n, 7n, 9n], [1n, 7n, 2n])).toEqual([4, 0, 7]);
    expect(subtractSlots([5, 7], undefined)).toEqual([5, 7]);
    expect(subtractSlots([5n, 7n, 1n], [1n, 2n])).toEqual([4, 5, 1]);
  });

  it('treats a counter that went down as restarted', () => {
    expect(subtractSlots([3n, 10n], [8n, 4n])).toEqual([3, 6]);
  });
});
