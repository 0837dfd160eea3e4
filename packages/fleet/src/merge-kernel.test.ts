import { describe, expect, it } from 'vitest';
import type { CrossCheck, KernelReport } from '@sonde/probe-sdk';
import { mergeKernel } from './merge-kernel.js';

const check = (traced: number, delta: number, agree: boolean | null): CrossCheck => ({
  counter: 'Tcp.ActiveOpens',
  figure: 'totals.connects',
  traced,
  delta,
  expect: 'equal',
  agree,
  note: '',
});
const report = (netns: number, deltas: Record<string, number>, c: CrossCheck): KernelReport => ({
  counters: { netns, source: '/proc/self/net', at: { start: `2026-12-06T00:00:0${netns}Z`, end: `2026-12-06T00:01:0${netns}Z` }, deltas, crossChecks: [c] },
});

describe('mergeKernel', () => {
  it('sums deltas and cross-checks over the nodes; agrees only when every node did', () => {
    const m = mergeKernel([
      { node: 'a', kernel: report(1, { 'Tcp.ActiveOpens': 5, 'Tcp.CurrEstab': 2 }, check(5, 5, true)) },
      { node: 'b', kernel: report(2, { 'Tcp.ActiveOpens': 3 }, check(2, 3, false)) },
    ])!;
    expect(m.counters!.deltas).toEqual({ 'Tcp.ActiveOpens': 8, 'Tcp.CurrEstab': 2 });
    expect(m.counters!.crossChecks).toEqual([expect.objectContaining({ traced: 7, delta: 8, agree: false, note: 'disagrees on b' })]);
    expect(m.counters!.at).toEqual({ start: '2026-12-06T00:00:01Z', end: '2026-12-06T00:01:02Z' });
    expect(m.counters!.source).toBe('fleet: a (netns 1), b (netns 2)');
  });

  it('says which nodes had no counters, and is absent when no node reported any', () => {
    const m = mergeKernel([
      { node: 'a', kernel: report(1, {}, check(1, 1, true)) },
      { node: 'b', kernel: { counters: null, unavailable: 'namespace gone' } },
    ])!;
    expect(m.counters!.crossChecks[0]).toMatchObject({ agree: true, note: 'no counters from b' });
    expect(m.unavailable).toBe('b: namespace gone');
    expect(mergeKernel([{ node: 'a', kernel: { counters: null, unavailable: 'x' } }])).toEqual({ counters: null, unavailable: 'a: x' });
    expect(mergeKernel([{ node: 'a' }])).toBeUndefined();
  });
});
