import { describe, expect, it } from 'vitest';
import type { ProbeContext } from './kernel.js';
import { collectIntervals, deltaRows } from './intervals.js';

interface Row {
  name: string;
  tx: bigint;
  rx: bigint;
}

const snap = (rows: Array<[string, number, number]>) =>
  new Map(rows.map(([name, tx, rx]) => [name, { name, tx: BigInt(tx), rx: BigInt(rx) } as Row]));

describe('deltaRows', () => {
  it('is the snapshot itself at the start, as numbers', () => {
    expect(deltaRows(snap([['a', 10, 5]]), undefined, ['tx', 'rx'])).toEqual([{ name: 'a', tx: 10, rx: 5 }]);
  });

  it('reports what moved, drops idle rows, restarts a counter that went down', () => {
    const before = snap([['a', 10, 5], ['b', 7, 7], ['c', 100, 0]]);
    const now = snap([['a', 15, 5], ['b', 7, 7], ['c', 3, 0], ['d', 0, 1]]);
    expect(deltaRows(now, before, ['tx', 'rx'])).toEqual([
      { name: 'a', tx: 5, rx: 0 },
      { name: 'c', tx: 3, rx: 0 },
      { name: 'd', tx: 0, rx: 1 },
    ]);
  });
});

/** a context whose clock is a counter: wait(ms) passes `ticks` times, then the job ends */
function fakeCtx(ticks: number): ProbeContext & { emitted: unknown[] } {
  let left = ticks;
  const emitted: unknown[] = [];
  return {
    jobId: 't',
    signal: new AbortController().signal,
    deadline: 0,
    load: () => Promise.reject(new Error('no kernel')),
    wait: async (ms?: number) => (ms === undefined ? ((left = 0), false) : left-- > 0),
    emit: (e: unknown[]) => void emitted.push(...e),
    lost: () => {},
    warn: () => {},
    kernelEnum: () => [],
    emitted,
  };
}

describe('collectIntervals', () => {
  // the counter grows by 10 per read
  const source = () => {
    let total = 0;
    return () => (total += 10);
  };
  const report = (now: number, before: number | undefined) => now - (before ?? 0);

  it('reports each interval as a delta, emits it live, and keeps the partial last one', async () => {
    const ctx = fakeCtx(3);
    const r = await collectIntervals(ctx, { intervalMs: 100, read: source(), report });
    expect(r.series.map((e) => e.rows)).toEqual([10, 10, 10, 10]);
    expect(ctx.emitted).toHaveLength(3);
    expect(r).toMatchObject({ final: 40, countReached: false });
  });

  it('stops after count intervals without a partial entry', async () => {
    const ctx = fakeCtx(10);
    const r = await collectIntervals(ctx, { intervalMs: 100, count: 2, read: source(), report });
    expect(r.series.map((e) => e.rows)).toEqual([10, 10]);
    expect(r.countReached).toBe(true);
  });

  it('drops an empty partial interval, and gives one entry without intervalMs', async () => {
    const flat = await collectIntervals(fakeCtx(2), { intervalMs: 100, read: () => 5, report, isEmpty: (d) => d === 0 });
    expect(flat.series.map((e) => e.rows)).toEqual([5, 0]);
    const whole = await collectIntervals(fakeCtx(0), { read: () => 42, report, isEmpty: () => true });
    expect(whole.series.map((e) => e.rows)).toEqual([42]);
    expect(whole.series[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('shapes entries as asked, live and in the series; emptiness is judged on the rows', async () => {
    const ctx = fakeCtx(2);
    let total = 0;
    const read = () => (total === 20 ? total : (total += 10));
    const r = await collectIntervals(ctx, { intervalMs: 100, read, report, isEmpty: (d) => d === 0, entry: (at, rows) => ({ at, listeners: rows }) });
    expect(r.series.map((e) => e.listeners)).toEqual([10, 10]);
    expect(ctx.emitted).toEqual(r.series);
    expect(Object.keys(r.series[0]!)).toEqual(['at', 'listeners']);
  });
});
