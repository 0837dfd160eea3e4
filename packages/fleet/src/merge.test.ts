import { describe, expect, it } from 'vitest';
import { log2Histogram, mergeHistograms, type OutputShape } from '@sonde/probe-sdk';
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
    const shape: OutputShape = {
      kind: 'report',
      fields: { intervalMs: 'setting', rows: { rows: { reason: 'key', port: 'key', count: 'count', bytes: { count: 'bytes' } } }, minRtt: 'min', maxRtt: 'max' },
    };
    const m = mergeData(shape, [
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
    const m = mergeData({ kind: 'events', fields: { events: { events: { time: 'ts' } }, count: 'count' } }, [
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
    const counts = { rows: { family: 'key', laddr: 'key', raddr: 'key', rport: 'key', netns: 'key', pid: 'key', connects: 'count', failed: 'count' } } as const;
    const fields = { mode: 'setting', totals: { fields: { connects: 'count', failed: 'count' } }, counts } as const;
    expect(mergeData({ kind: 'events', fields }, [
      { node: 'a', data: { mode: 'count', totals: { connects: 3, failed: 0 }, counts: [row(3)] } },
      { node: 'b', data: { mode: 'count', totals: { connects: 2, failed: 0 }, counts: [row(2)] } },
    ])).toEqual({ mode: 'count', totals: { connects: 5, failed: 0 }, counts: [row(5)] });
    expect(mergeData({ kind: 'report', fields }, [
      { node: 'a', data: { counts: [row(3)] } },
      { node: 'b', data: { counts: [row(2)] } },
    ])).toEqual({ counts: [row(5)] });
  });
  it('orders events by wall-clock time, not per-machine monotonic tsNs', () => {
    const m = mergeData({ kind: 'events', fields: { events: { events: { time: 'time' } } } }, [
      { node: 'a', data: { events: [{ time: '2026-01-01T00:00:02.000Z', tsNs: '900' }] } },
      { node: 'b', data: { events: [{ time: '2026-01-01T00:00:01.000Z', tsNs: '5000' }] } },
    ]) as { events: Array<{ node: string }> };
    expect(m.events.map((e) => e.node)).toEqual(['b', 'a']);
  });
});

describe('mergeData reads the declaration, not field names', () => {
  const shape: OutputShape = {
    kind: 'report',
    fields: {
      flows: { rows: { laddr: 'key', lport: 'key', count: 'count', state: 'label', flags: 'label', backlogPeak: 'max' }, sum: 'count' },
      sockets: 'level',
      usedPct: { max: '%' },
      states: { category: 'state', level: true },
      events: { events: { time: 'time' } },
      countedBy: 'label',
    },
  };
  it('merges rows by their keys only; labels are the first node\'s; levels add up; max and categories', () => {
    const a = { flows: [{ laddr: '10.0.0.1', lport: 80, count: 2, state: 'LISTEN', flags: 'SYN', backlogPeak: 4 }], sockets: 10, usedPct: 3.5, states: { LISTEN: 2, ESTABLISHED: 8 }, events: [], countedBy: 'fentry' };
    const b = { flows: [{ laddr: '10.0.0.1', lport: 80, count: 5, state: 'SYN_RECV', flags: 'ACK', backlogPeak: 9 }], sockets: 4, usedPct: 1.25, states: { LISTEN: 1, TIME_WAIT: 3 }, events: [], countedBy: 'kprobe' };
    expect(mergeData(shape, [{ node: 'a', data: a }, { node: 'b', data: b }])).toEqual({
      flows: [{ laddr: '10.0.0.1', lport: 80, count: 7, state: 'LISTEN', flags: 'SYN', backlogPeak: 9 }],
      sockets: 14,
      usedPct: 3.5,
      states: { LISTEN: 3, ESTABLISHED: 8, TIME_WAIT: 3 },
      events: [],
      countedBy: 'fentry',
    });
  });
  it("concatenates a report's event list, tagged with the node, in time order", () => {
    const ev = (time: string) => ({ time, reason: 'NO_SOCKET' });
    const m = mergeData(shape, [
      { node: 'a', data: { events: [ev('2026-01-01T00:00:03.000Z')] } },
      { node: 'b', data: { events: [ev('2026-01-01T00:00:01.000Z'), ev('2026-01-01T00:00:02.000Z')] } },
    ]) as { events: Array<{ node: string; time: string }> };
    expect(m.events.map((e) => [e.node, e.time.slice(17, 19)])).toEqual([['b', '01'], ['b', '02'], ['a', '03']]);
  });
  it('reads a field the declaration does not name from its values (a newer agent\'s): numbers add up, others key rows', () => {
    const m = mergeData(shape, [
      { node: 'a', data: { extra: 2, flows: [{ laddr: 'x', lport: 1, count: 1, zone: 'a' }] } },
      { node: 'b', data: { extra: 3, flows: [{ laddr: 'x', lport: 1, count: 1, zone: 'b' }] } },
    ]) as { extra: number; flows: unknown[] };
    expect(m.extra).toBe(5);
    // declared keys decide the row: an undeclared field never splits it
    expect(m.flows).toEqual([{ laddr: 'x', lport: 1, count: 2, zone: 'a' }]);
  });
  it('a bare kind (no declaration) infers from the values: histograms merge, numbers add up, arrays of objects are rows', () => {
    const m = mergeData('report', [
      { node: 'a', data: { n: 1, rows: [{ k: 'x', v: 1 }], h: h([1]) } },
      { node: 'b', data: { n: 2, rows: [{ k: 'x', v: 2 }, { k: 'y', v: 1 }], h: h([0, 2]) } },
    ]);
    expect(m).toEqual({ n: 3, rows: [{ k: 'x', v: 3 }, { k: 'y', v: 1 }], h: mergeHistograms([h([1]), h([0, 2])]) });
  });
});
