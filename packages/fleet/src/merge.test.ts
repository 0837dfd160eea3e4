import { describe, expect, it } from 'vitest';
import { log2Histogram, mergeHistograms } from '@sonde/probe-sdk';
import { mergeData } from './merge.js';

const h = (slots: number[]) => log2Histogram(slots, { unit: 'usecs' });

describe('mergeData', () => {
  it('merges histograms bucket-wise with percentiles recomputed, per key and total', () => {
    const a = { unit: 'usecs', by: 'laddr', histograms: [{ key: '10.0.0.1', hist: h([0, 1, 4]) }, { key: '10.0.0.2', hist: h([2]) }], total: h([2, 1, 4]) };
    const b = { unit: 'usecs', by: 'laddr', histograms: [{ key: '10.0.0.1', hist: h([0, 0, 0, 8]) }], total: h([0, 0, 0, 8]) };
    const m = mergeData('histogram', [
      { node: 'a', data: a },
      { node: 'b', data: b },
    ]) as typeof a;
    expect(m.unit).toBe('usecs');
    expect(m.histograms).toHaveLength(2);
    expect(m.histograms[0]).toEqual({ key: '10.0.0.1', hist: mergeHistograms([a.histograms[0]!.hist, b.histograms[0]!.hist]) });
    expect(m.histograms[1]).toEqual(a.histograms[1]);
    expect(m.total).toEqual(mergeHistograms([a.total, b.total]));
    expect(m.total.count).toBe(15);
    expect(m.total.p99).not.toBeNull();
  });

  it('sums report rows by their non-numeric key fields; min/max and settings are not summed', () => {
    const a = { intervalMs: 1000, rows: [{ reason: 'TCP_LISTEN_OVERFLOW', port: 80, count: 3, bytes: 10 }, { reason: 'NO_SOCKET', port: 80, count: 1, bytes: 0 }], minRtt: 5, maxRtt: 9 };
    const b = { intervalMs: 1000, rows: [{ reason: 'TCP_LISTEN_OVERFLOW', port: 80, count: 4, bytes: 1 }, { reason: 'TCP_LISTEN_OVERFLOW', port: 443, count: 2, bytes: 2 }], minRtt: 2, maxRtt: 7 };
    const m = mergeData('report', [
      { node: 'a', data: a },
      { node: 'b', data: b },
    ]);
    expect(m).toEqual({
      intervalMs: 1000,
      rows: [
        { reason: 'TCP_LISTEN_OVERFLOW', port: 80, count: 7, bytes: 11 },
        { reason: 'NO_SOCKET', port: 80, count: 1, bytes: 0 },
        { reason: 'TCP_LISTEN_OVERFLOW', port: 443, count: 2, bytes: 2 },
      ],
      minRtt: 2,
      maxRtt: 9,
    });
  });

  it('concatenates events tagged with their node, in timestamp order', () => {
    const m = mergeData('events', [
      { node: 'a', data: { events: [{ ts: 10, comm: 'curl' }, { ts: 30, comm: 'curl' }], count: 2 } },
      { node: 'b', data: { events: [{ ts: 20, comm: 'nginx' }], count: 1 } },
    ]);
    expect(m).toEqual({
      events: [
        { ts: 10, comm: 'curl', node: 'a' },
        { ts: 20, comm: 'nginx', node: 'b' },
        { ts: 30, comm: 'curl', node: 'a' },
      ],
      count: 3,
    });
  });

  it('skips nodes without data; none at all is null', () => {
    expect(mergeData('report', [{ node: 'a', data: null }])).toBeNull();
    expect(mergeData('report', [{ node: 'a', data: null }, { node: 'b', data: { n: 2 } }])).toEqual({ n: 2 });
  });
});

describe('mergeData identifiers', () => {
  it('keeps numbers that identify a row (ports, pids, family, netns) as its key', () => {
    const row = (connects: number) => ({ family: 4, laddr: '10.0.0.1', raddr: '10.0.0.2', rport: 443, netns: 4026531840, pid: 7, connects, failed: 0 });
    expect(mergeData('events', [
      { node: 'a', data: { mode: 'count', totals: { connects: 3, failed: 0 }, counts: [row(3)] } },
      { node: 'b', data: { mode: 'count', totals: { connects: 2, failed: 0 }, counts: [row(2)] } },
    ])).toEqual({ mode: 'count', totals: { connects: 5, failed: 0 }, counts: [row(5)] });
    expect(mergeData('report', [
      { node: 'a', data: { counts: [row(3)] } },
      { node: 'b', data: { counts: [row(2)] } },
    ])).toEqual({ counts: [row(5)] });
  });
  it('orders events by wall-clock time, not per-machine monotonic tsNs', () => {
    const m = mergeData('events', [
      { node: 'a', data: { events: [{ time: '2026-01-01T00:00:02.000Z', tsNs: '900' }] } },
      { node: 'b', data: { events: [{ time: '2026-01-01T00:00:01.000Z', tsNs: '5000' }] } },
    ]) as { events: Array<{ node: string }> };
    expect(m.events.map((e) => e.node)).toEqual(['b', 'a']);
  });
});
