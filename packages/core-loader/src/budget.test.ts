import { describe, expect, it } from 'vitest';
import { BudgetMeter } from './budget.js';

function fake() {
  const state = { ns: 5_000_000, count: 10, t: 0 };
  return { state, source: { programStats: () => [{ runTimeNs: state.ns, runCount: state.count }] }, now: () => state.t };
}

describe('BudgetMeter', () => {
  it('counts from its start, and stops at cpuMs', () => {
    const { state, source, now } = fake();
    const hits: string[] = [];
    const m = new BudgetMeter({ cpuMs: 2 }, source, (w) => hits.push(w), now);
    m.start();
    state.t = 100;
    state.ns += 1_500_000;
    state.count += 100;
    expect(m.sample()).toBeNull();
    state.t = 200;
    state.ns += 1_000_000;
    expect(m.sample()).toBe('cpuMs');
    expect(hits).toEqual(['cpuMs']);
    expect(m.report()).toEqual({ limit: { cpuMs: 2 }, used: { cpuMs: 2.5, peakCpuPercent: 0, runCount: 100 }, exceeded: 'cpuMs' });
  });

  it('measures % of one CPU over a sliding window, not before MIN_WINDOW_MS', () => {
    const { state, source, now } = fake();
    const hits: string[] = [];
    const m = new BudgetMeter({ cpuPercent: 5 }, source, (w) => hits.push(w), now);
    m.start();
    // 10 ms of run time in the first 100 ms (10%) is too early to judge
    state.t = 100;
    state.ns += 10_000_000;
    expect(m.sample()).toBeNull();
    // then quiet: over 400 ms that is 2.5%
    state.t = 400;
    expect(m.sample()).toBeNull();
    // steady 4% for 2 s: the window forgets the burst, stays under
    for (let i = 0; i < 20; i++) {
      state.t += 100;
      state.ns += 4_000_000;
      expect(m.sample()).toBeNull();
    }
    // 10 ms per 100 ms (10%) for half a second: over
    let hit = null;
    for (let i = 0; i < 5 && !hit; i++) {
      state.t += 100;
      state.ns += 10_000_000;
      hit = m.sample();
    }
    expect(hit).toBe('cpuPercent');
    expect(hits).toEqual(['cpuPercent']);
    const r = m.report();
    expect(r.exceeded).toBe('cpuPercent');
    expect(r.used.peakCpuPercent).toBeGreaterThan(5);
    expect(r.used.peakCpuPercent).toBeLessThan(10);
  });

  it('reports within budget with a final sample', () => {
    const { state, source, now } = fake();
    const m = new BudgetMeter({ cpuMs: 100, cpuPercent: 50 }, source, () => {}, now);
    m.start();
    state.t = 1000;
    state.ns += 3_000_000;
    expect(m.report()).toMatchObject({ used: { cpuMs: 3, peakCpuPercent: 0.3 }, exceeded: null });
  });
});
