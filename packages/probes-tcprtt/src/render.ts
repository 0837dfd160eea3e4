/**
 * Upstream tcprtt's text (libbpf-tools/tcprtt.c print_map): per histogram a header line
 * `Local Address = <addr> ` / `Remote Address = <addr> ` / `All Addresses = ****** `, with
 * `[AVG n]` when extended, then the log2 histogram. Interval runs print one block per interval,
 * each after a blank line and its time (HH:MM:SS, UTC), like upstream -i with -T.
 * Beyond upstream, `extended` adds a line of percentiles, min and max under each histogram.
 */
import { formatNumber, formatPercentile, renderLog2 } from '@sonde/probe-sdk';
import type { KeyedHistogram } from './decode.js';
import type { TcprttData } from './index.js';
import type { TcprttParams } from './params.js';

function header(k: KeyedHistogram, by: TcprttData['by'], extended: boolean): string {
  let line =
    by === 'laddr'
      ? `Local Address = ${k.key} `
      : by === 'raddr'
        ? `Remote Address = ${k.key} `
        : by === 'pod'
          ? `Pod = ${k.key} `
          : by === 'container'
            ? `Container = ${k.key} `
            : 'All Addresses = ****** ';
  // upstream: hist.latency / hist.cnt, integer division
  if (extended && k.hist.count > 0) line += `[AVG ${Math.floor(k.hist.sum / k.hist.count)}]`;
  return `${line}\n`;
}

function summary(k: KeyedHistogram, unit: string): string {
  const h = k.hist;
  const ps = [formatPercentile('p50', h.p50), formatPercentile('p90', h.p90), formatPercentile('p99', h.p99)].join(', ');
  const range = h.min !== null && h.max !== null ? `; min ${formatNumber(h.min)}, max ${formatNumber(h.max)}` : '';
  return `     ${ps} ${unit}${range}\n`;
}

function block(hs: readonly KeyedHistogram[], data: TcprttData, extended: boolean): string {
  return hs
    .map((k) => header(k, data.by, extended) + renderLog2(k.hist, data.unit) + (extended ? summary(k, data.unit) : ''))
    .join('');
}

export function renderTcprtt(data: TcprttData, params: Pick<TcprttParams, 'extended'>): string {
  const extended = params.extended ?? false;
  if (data.series) {
    return data.series.map((s) => `\n${s.at.slice(11, 19)}\n${block(s.histograms, data, extended)}`).join('');
  }
  if (data.histograms.length === 0) return 'no TCP RTT samples matched\n';
  return block(data.histograms, data, extended);
}
