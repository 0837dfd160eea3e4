/**
 * Per-interval reports from cumulative in-kernel counters (top talkers, bytes per subnet, ...).
 *
 * The kernel only ever adds to its maps; user space reads a snapshot at every interval and reports
 * the difference to the previous snapshot. Nothing is deleted in the kernel between intervals, so
 * nothing that lands between "read" and "clear" is lost (the race upstream tools have when they
 * read then delete a map every interval).
 */
import type { ProbeContext } from './kernel.js';

type Num = number | bigint;

/**
 * Row-wise `now - before` over the named counter fields, for rows identified by the map key.
 * Rows whose counters did not move are dropped (idle in the interval); a counter that went down
 * (entry deleted and recreated, LRU eviction) counts from zero, i.e. yields its `now` value.
 * Other fields are copied from `now`. Counter fields come back as numbers.
 */
export function deltaRows<R extends object>(
  now: ReadonlyMap<string, R>,
  before: ReadonlyMap<string, R> | undefined,
  fields: readonly (keyof R)[],
): R[] {
  const out: R[] = [];
  for (const [id, row] of now) {
    const prev = before?.get(id);
    const d = { ...row } as Record<keyof R, unknown>;
    let moved = false;
    for (const f of fields) {
      const a = row[f] as Num;
      const b = prev === undefined ? 0 : (prev[f] as Num);
      let v = typeof a === 'bigint' || typeof b === 'bigint' ? Number(BigInt(a) - BigInt(b)) : a - b;
      if (v < 0) v = Number(a);
      if (v !== 0) moved = true;
      d[f] = v;
    }
    if (moved) out.push(d as R);
  }
  return out;
}

export interface IntervalEntry<T> {
  /** end of the interval, ISO 8601 */
  at: string;
  /** what the interval added (or, when cumulative, the totals at `at`) */
  rows: T;
}

export interface IntervalOptions<S, T, E = IntervalEntry<T>> {
  /** interval length; absent = one entry for the whole job */
  intervalMs?: number | undefined;
  /** stop after this many full intervals (the job then ends before its deadline) */
  count?: number | undefined;
  /** read a snapshot of the cumulative counters (may wait, e.g. for owner groups of new keys) */
  read: () => S | Promise<S>;
  /** the report of one interval: `before` is the previous snapshot (undefined for the first) */
  report: (now: S, before: S | undefined) => T;
  /** an interval with nothing in it is not kept (the last, partial one) */
  isEmpty?: (rows: T) => boolean;
  /** the shape of an entry, live and in the series (e.g. `{ at, histograms }`); default `{ at, rows }` */
  entry?: (at: string, rows: T) => E;
}

export interface IntervalResult<S, T, E = IntervalEntry<T>> {
  series: E[];
  /** the last snapshot, read while the programs were still attached */
  final: S;
  /** true when `count` intervals were reached before the deadline */
  countReached: boolean;
}

/**
 * Drive an interval report until the job ends or `count` intervals were reported. Each full
 * interval's entry is also emitted live (ctx.emit). The final snapshot is read once more at the
 * end, and what it added since the last full interval becomes a last, partial entry unless it is
 * empty. Without `intervalMs`, the series has one entry covering the whole job.
 */
export async function collectIntervals<S, T, E = IntervalEntry<T>>(ctx: ProbeContext, opts: IntervalOptions<S, T, E>): Promise<IntervalResult<S, T, E>> {
  const series: E[] = [];
  let before: S | undefined;
  const shape = opts.entry ?? ((at: string, rows: T) => ({ at, rows }) as E);
  const rowsOf = (now: S): { at: string; rows: T } => ({ at: new Date().toISOString(), rows: opts.report(now, before) });

  if (opts.intervalMs) {
    while ((opts.count === undefined || series.length < opts.count) && (await ctx.wait(opts.intervalMs))) {
      const now = await opts.read();
      const r = rowsOf(now);
      const e = shape(r.at, r.rows);
      series.push(e);
      ctx.emit([e]);
      before = now;
    }
  } else {
    await ctx.wait();
  }
  const countReached = opts.count !== undefined && series.length >= opts.count;
  const final = await opts.read();
  if (!countReached) {
    const last = rowsOf(final);
    if (!opts.intervalMs || !(opts.isEmpty?.(last.rows) ?? false)) series.push(shape(last.at, last.rows));
  }
  return { series, final, countReached };
}
