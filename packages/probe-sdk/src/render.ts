/**
 * Text layouts people know from bcc, so a result reads at a glance in a terminal or a chat.
 * Every renderer returns whole lines, each ending in '\n' ('' when there is nothing to show).
 */
import type { Histogram, Percentile } from './histogram.js';

/** printf `%*d` / `%-*d` / `%*s` / `%-*s`: pad to `width`, never truncate */
export function padLeft(v: string | number, width: number): string {
  return String(v).padStart(width);
}
export function padRight(v: string | number, width: number): string {
  return String(v).padEnd(width);
}

function stars(val: number, max: number, width: number): string {
  const n = max > 0 ? Math.floor((Math.min(val, max) * width) / max) : 0;
  return '*'.repeat(n) + ' '.repeat(width - n) + (val > max ? '+' : '');
}

/**
 * A log2 histogram in the exact layout of bcc's print_log2_hist (libbpf-tools trace_helpers.c):
 *
 *          usecs               : count    distribution
 *              0 -> 1          : 0        |                                        |
 *              2 -> 3          : 12       |****************************************|
 *
 * From bucket 0 up to the highest non-empty bucket, bars scaled to the largest count. Past
 * bucket 32 the columns widen and the bar halves, as upstream does. Empty histogram: ''.
 */
export function renderLog2(h: Histogram, label: string = h.unit): string {
  const rows = h.buckets;
  let idxMax = -1;
  let valMax = 0;
  rows.forEach((b, i) => {
    if (b.count > 0) idxMax = i;
    if (b.count > valMax) valMax = b.count;
  });
  if (idxMax < 0) return '';
  const narrow = idxMax <= 32;
  const width = narrow ? 10 : 20;
  const bar = narrow ? 40 : 20;
  let out = `${' '.repeat(narrow ? 5 : 15)}${padRight(label, narrow ? 19 : 29)} : count    distribution\n`;
  for (let i = 0; i <= idxMax; i++) {
    const b = rows[i]!;
    out += `${padLeft(b.lo, width)} -> ${padRight(b.hi, width)} : ${padRight(b.count, 8)} |${stars(b.count, valMax, bar)}|\n`;
  }
  return out;
}

/** `p50 ~ 96 (64..127)`: a percentile with the bucket it lies in */
export function formatPercentile(name: string, p: Percentile | null): string {
  if (!p) return `${name} -`;
  return `${name} ~ ${formatNumber(p.value)} (${p.lo}..${p.hi})`;
}

/** integers as is, others with at most 3 decimals */
export function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
}

export interface TableColumn {
  header: string;
  /** 'left' (default) pads after, 'right' pads before, like %-Ns / %Ns */
  align?: 'left' | 'right';
  /** minimum width; the column grows to its widest cell */
  width?: number;
}

/**
 * A bcc-style table: one header line, then rows, columns separated by one space, each column as
 * wide as its widest cell (or `width`). The last left-aligned column is not padded.
 */
export function renderTable(columns: readonly TableColumn[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = rows.map((r) => columns.map((_, i) => String(r[i] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.width ?? 0, c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => {
        const last = i === vals.length - 1;
        if (columns[i]!.align === 'right') return padLeft(v, widths[i]!);
        return last ? v : padRight(v, widths[i]!);
      })
      .join(' ') + '\n';
  return line(columns.map((c) => c.header)) + cells.map(line).join('');
}
