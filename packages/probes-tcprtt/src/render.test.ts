import { describe, expect, it } from 'vitest';
import { log2Histogram, mergeHistograms } from '@sonde/probe-sdk';
import type { TcprttData } from './index.js';
import { renderTcprtt } from './render.js';

const hA = log2Histogram([0, 0, 0, 0, 3, 1], { unit: 'usecs', sum: 90, min: 16, max: 33 });
const hB = log2Histogram([0, 0, 0, 0, 0, 0, 0, 2], { unit: 'usecs', sum: 300, min: 140, max: 160 });

const HIST_A = [
  '     usecs               : count    distribution',
  '         0 -> 1          : 0        |                                        |',
  '         2 -> 3          : 0        |                                        |',
  '         4 -> 7          : 0        |                                        |',
  '         8 -> 15         : 0        |                                        |',
  '        16 -> 31         : 3        |****************************************|',
  '        32 -> 63         : 1        |*************                           |',
];

describe('renderTcprtt', () => {
  it('prints upstream "All Addresses" sections', () => {
    const data: TcprttData = { unit: 'usecs', by: 'none', histograms: [{ key: null, hist: hA }], total: hA };
    expect(renderTcprtt(data, { extended: false })).toBe(['All Addresses = ****** ', ...HIST_A, ''].join('\n'));
  });

  it('adds [AVG n] and the percentile line when extended', () => {
    const data: TcprttData = { unit: 'usecs', by: 'none', histograms: [{ key: null, hist: hA }], total: hA };
    const text = renderTcprtt(data, { extended: true }).split('\n');
    expect(text[0]).toBe('All Addresses = ****** [AVG 22]');
    expect(text.slice(1, 8)).toEqual(HIST_A);
    // rank 2 of 4 is 2/3 into [16, 31]; p90/p99 interpolate past max (33) and are kept at it
    expect(text[8]).toBe('     p50 ~ 26 (16..31), p90 ~ 33 (32..63), p99 ~ 33 (32..63) usecs; min 16, max 33');
  });

  it('prints one section per remote address', () => {
    const data: TcprttData = {
      unit: 'usecs',
      by: 'raddr',
      histograms: [
        { key: '10.0.0.1', family: 4, hist: hA },
        { key: '2001:db8::1', family: 6, hist: hB },
      ],
      total: mergeHistograms([hA, hB]),
    };
    const lines = renderTcprtt(data, { extended: true }).split('\n');
    expect(lines[0]).toBe('Remote Address = 10.0.0.1 [AVG 22]');
    expect(lines[9]).toBe('Remote Address = 2001:db8::1 [AVG 150]');
    expect(lines[10]).toBe('     usecs               : count    distribution');
    expect(lines[18]).toBe('       128 -> 255        : 2        |****************************************|');
  });

  it('prints one section per pod', () => {
    const data: TcprttData = { unit: 'usecs', by: 'pod', histograms: [{ key: 'shop/web-0', cgroup: '11', hist: hA }], total: hA };
    expect(renderTcprtt(data, { extended: false }).split('\n')[0]).toBe('Pod = shop/web-0 ');
  });

  it('prints a block per interval with its time, like -i with -T', () => {
    const data: TcprttData = {
      unit: 'msecs',
      by: 'laddr',
      histograms: [{ key: '127.0.0.1', family: 4, hist: hA }],
      total: hA,
      series: [
        { at: '2026-11-25T15:30:01.123Z', histograms: [{ key: '127.0.0.1', family: 4, hist: hA }] },
        { at: '2026-11-25T15:30:02.125Z', histograms: [] },
      ],
    };
    const text = renderTcprtt(data, { extended: false });
    expect(text.split('\n').slice(0, 4)).toEqual(['', '15:30:01', 'Local Address = 127.0.0.1 ', '     msecs               : count    distribution']);
    expect(text.endsWith('|\n\n15:30:02\n')).toBe(true);
  });

  it('says so when nothing matched', () => {
    const empty = log2Histogram([], { unit: 'usecs', sum: 0 });
    expect(renderTcprtt({ unit: 'usecs', by: 'none', histograms: [], total: empty }, { extended: false })).toBe('no TCP RTT samples matched\n');
  });
});
