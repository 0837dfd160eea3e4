/**
 * Histograms as every probe returns them: plain JSON (no bigint, no typed arrays), mergeable
 * across intervals, runs and hosts.
 *
 * Bucket convention (log2, the same as bpf/include/log2.h and bcc's print_log2_hist): bucket i
 * counts integer values v with 2^i <= v < 2^(i+1); bucket 0 also holds 0. Bounds are stored
 * *inclusive*, exactly as the upstream text shows them: bucket 0 = {lo: 0, hi: 1}, bucket 1 =
 * {lo: 2, hi: 3}, bucket 2 = {lo: 4, hi: 7}, ... bucket i = {lo: 2^i, hi: 2^(i+1) - 1}.
 * `buckets` runs from bucket 0 up to the highest non-empty one (empty histogram: []), so rows
 * line up by index for rendering and merging.
 */

export interface HistogramBucket {
  /** lowest value counted here (inclusive) */
  lo: number;
  /** highest value counted here (inclusive) */
  hi: number;
  count: number;
}

/**
 * A percentile estimated from buckets: `value` is interpolated linearly inside the bucket that
 * holds the rank (and kept within the histogram's min/max when known); the true value lies in
 * [lo, hi], the bounds of that bucket.
 */
export interface Percentile {
  value: number;
  lo: number;
  hi: number;
}

export interface Histogram {
  /** e.g. 'usecs', 'msecs', 'bytes' */
  unit: string;
  buckets: HistogramBucket[];
  count: number;
  /** exact when the producer tracked it; a bucket-midpoint estimate when `sumEstimated` */
  sum: number;
  avg: number | null;
  min: number | null;
  max: number | null;
  p50: Percentile | null;
  p90: Percentile | null;
  p99: Percentile | null;
  /** present (true) only when `sum`/`avg` were estimated from bucket midpoints */
  sumEstimated?: true;
}

type Num = number | bigint;

const toNum = (v: Num): number => (typeof v === 'bigint' ? Number(v) : v);

/** Inclusive bounds of log2 bucket i (see the module comment). */
export function log2Bounds(i: number): { lo: number; hi: number } {
  if (!Number.isInteger(i) || i < 0) throw new RangeError(`bucket index must be a non-negative integer, got ${i}`);
  return { lo: i === 0 ? 0 : 2 ** i, hi: 2 ** (i + 1) - 1 };
}

/** The log2 bucket index of a value (what the kernel's log2_slot computes, without its clamp). */
export function log2Index(v: number): number {
  return v < 2 ? 0 : Math.floor(Math.log2(v));
}

export interface Log2Options {
  unit: string;
  /** exact sum of the samples, when the kernel tracked it */
  sum?: Num;
  min?: Num | null;
  max?: Num | null;
}

/**
 * Build a histogram from log2 slot counts (e.g. a `__u64 slots[27]` map value). Counts above
 * 2^53 lose precision when turned into JSON numbers, far beyond any real job.
 */
export function log2Histogram(slots: ArrayLike<Num>, opts: Log2Options): Histogram {
  const buckets: HistogramBucket[] = [];
  for (let i = 0; i < slots.length; i++) {
    const count = toNum(slots[i] ?? 0);
    if (!Number.isFinite(count) || count < 0) throw new RangeError(`slot ${i} holds an invalid count: ${String(slots[i])}`);
    buckets.push({ ...log2Bounds(i), count });
  }
  return finish(opts.unit, buckets, {
    sum: opts.sum === undefined ? undefined : toNum(opts.sum),
    min: opts.min == null ? null : toNum(opts.min),
    max: opts.max == null ? null : toNum(opts.max),
  });
}

export function emptyHistogram(unit: string): Histogram {
  return finish(unit, [], { sum: 0, min: null, max: null });
}

/**
 * Complete a histogram from buckets: trims trailing empty buckets, computes count, avg and
 * percentiles. Without `sum` it is estimated from bucket midpoints and flagged.
 */
export function histogramFromBuckets(
  unit: string,
  buckets: readonly HistogramBucket[],
  extra: { sum?: number; min?: number | null; max?: number | null } = {},
): Histogram {
  return finish(unit, buckets.map((b) => ({ ...b })), { sum: extra.sum, min: extra.min ?? null, max: extra.max ?? null });
}

function finish(
  unit: string,
  buckets: HistogramBucket[],
  extra: { sum: number | undefined; min: number | null; max: number | null },
): Histogram {
  let top = buckets.length - 1;
  while (top >= 0 && buckets[top]!.count === 0) top--;
  const kept = buckets.slice(0, top + 1);
  const count = kept.reduce((s, b) => s + b.count, 0);
  const estimated = extra.sum === undefined && count > 0;
  const sum = extra.sum ?? kept.reduce((s, b) => s + b.count * ((b.lo + b.hi) / 2), 0);
  const h: Histogram = {
    unit,
    buckets: kept,
    count,
    sum,
    avg: count > 0 ? round3(sum / count) : null,
    min: count > 0 ? extra.min : null,
    max: count > 0 ? extra.max : null,
    p50: null,
    p90: null,
    p99: null,
  };
  if (estimated) h.sumEstimated = true;
  h.p50 = percentile(h, 0.5);
  h.p90 = percentile(h, 0.9);
  h.p99 = percentile(h, 0.99);
  return h;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/**
 * The q-quantile (q in [0, 1], e.g. 0.99) estimated from the buckets, or null when empty.
 * The rank q*count falls in one bucket; the value is interpolated linearly between that
 * bucket's lo and hi by how far into the bucket's count the rank lies, then kept within the
 * histogram's [min, max] when those are known and overlap the bucket.
 */
export function percentile(h: Pick<Histogram, 'buckets' | 'count' | 'min' | 'max'>, q: number): Percentile | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile wants q in [0, 1], got ${q}`);
  if (h.count <= 0) return null;
  const rank = q * h.count;
  let cum = 0;
  for (const b of h.buckets) {
    if (b.count > 0 && cum + b.count >= rank) {
      const frac = Math.min(1, Math.max(0, (rank - cum) / b.count));
      let value = b.lo + frac * (b.hi - b.lo);
      const floor = Math.max(b.lo, h.min ?? b.lo);
      const ceil = Math.min(b.hi, h.max ?? b.hi);
      if (floor <= ceil) value = Math.min(ceil, Math.max(floor, value));
      return { value: round3(value), lo: b.lo, hi: b.hi };
    }
    cum += b.count;
  }
  return null;
}

/**
 * Bucket-wise sum of histograms of one unit (intervals, keys, runs, hosts): counts and sums add,
 * min is the min of mins, max the max of maxes, percentiles are recomputed. Bucket bounds must
 * agree index by index. `unit` names the result when `hs` is empty.
 */
export function mergeHistograms(hs: readonly Histogram[], unit?: string): Histogram {
  const first = hs[0];
  if (!first) {
    if (unit === undefined) throw new Error('mergeHistograms: no histograms and no unit given');
    return emptyHistogram(unit);
  }
  const u = unit ?? first.unit;
  const buckets: HistogramBucket[] = [];
  let sum = 0;
  let estimated = false;
  let min: number | null = null;
  let max: number | null = null;
  for (const h of hs) {
    if (h.unit !== u) throw new Error(`cannot merge histograms of different units: '${h.unit}' and '${u}'`);
    h.buckets.forEach((b, i) => {
      const acc = buckets[i];
      if (!acc) buckets[i] = { lo: b.lo, hi: b.hi, count: b.count };
      else if (acc.lo !== b.lo || acc.hi !== b.hi) {
        throw new Error(`cannot merge histograms with different buckets at index ${i}: [${acc.lo}, ${acc.hi}] vs [${b.lo}, ${b.hi}]`);
      } else acc.count += b.count;
    });
    sum += h.sum;
    if (h.sumEstimated) estimated = true;
    if (h.count > 0) {
      if (h.min !== null) min = min === null ? h.min : Math.min(min, h.min);
      if (h.max !== null) max = max === null ? h.max : Math.max(max, h.max);
    }
  }
  const out = finish(u, buckets, { sum, min, max });
  if (estimated && out.count > 0) out.sumEstimated = true;
  return out;
}

/**
 * Slot-wise `now - before` for interval deltas of cumulative kernel counters. A slot that went
 * down (the entry was deleted and recreated) yields `now` for that slot rather than a negative.
 */
export function subtractSlots(now: ArrayLike<Num>, before: ArrayLike<Num> | undefined): number[] {
  const out: number[] = [];
  for (let i = 0; i < now.length; i++) {
    const a = now[i] ?? 0;
    const b = before?.[i] ?? 0;
    const d = typeof a === 'bigint' || typeof b === 'bigint' ? Number(BigInt(a) - BigInt(b)) : a - b;
    out.push(d < 0 ? toNum(a) : d);
  }
  return out;
}
