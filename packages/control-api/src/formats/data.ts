/**
 * The shapes the chat formats show, found in a result's `data` as its probe's output declaration
 * (`result.shape`, probe-sdk output.ts) says: the histogram it is about and the keyed ones (busiest
 * first), its tables of rows and events (not the interval views), and its top-level figures.
 */
import {
  inferDecl,
  inferShape,
  isEventsDecl,
  isFigure,
  isHistogram,
  isRowsDecl,
  keyedHistograms,
  keyName,
  ownerLabel,
  totalHistogram,
  type Histogram,
  type OutputShape,
  type Owner,
} from '@sonde/probe-sdk';

export interface KeyedHist {
  key: string;
  hist: Histogram;
}

export interface Table {
  name: string;
  rows: Array<Record<string, unknown>>;
  /** the figure the rows are ranked by (the declaration's `sum`), if any */
  sum?: string;
}

export interface Shapes {
  /** the histogram the result is about (declared `histogram.total`, or data itself) */
  total: Histogram | null;
  /** the declared keyed histograms (key null → 'all') */
  keyed: KeyedHist[];
  /** what the keys are: 'key', or the grouping the declared `by` setting names (laddr, pod, container, ...) */
  keyName: string;
  /** the declared rows and event lists: data.events, data.reasons, … */
  tables: Table[];
  /** top-level figures of data */
  numbers: Array<[string, number]>;
}

export function shapesOf(data: unknown, declared?: OutputShape): Shapes {
  const out: Shapes = { total: null, keyed: [], keyName: 'key', tables: [], numbers: [] };
  if (isHistogram(data)) return { ...out, total: data };
  if (Array.isArray(data)) return { ...out, tables: [{ name: 'rows', rows: data.filter((r) => r && typeof r === 'object') as Array<Record<string, unknown>> }] };
  if (!data || typeof data !== 'object') return out;
  const d = data as Record<string, unknown>;
  const shape = declared ?? inferShape('report', [data]);
  out.total = totalHistogram(shape, data);
  out.keyName = keyName(shape, data) ?? 'key';
  const keyed = keyedHistograms(shape, data);
  if (keyed) {
    const first = keyed.keys[0];
    out.keyed = keyed.rows
      .map((r) => ({ key: first === undefined || r[first] === null || r[first] === undefined ? 'all' : String(r[first]), hist: r[keyed.hist] as Histogram }))
      .sort((a, b) => b.hist.count - a.hist.count);
    if (!out.total && out.keyed.length === 1) out.total = out.keyed[0]!.hist;
  }
  for (const [name, v] of Object.entries(d)) {
    if (name === shape.histogram?.keyed) continue;
    // a field the declaration does not name (a newer probe's): read from its value
    const decl = shape.fields[name] ?? inferDecl(shape.kind, [v], false);
    // interval views (`series`): the whole-job view is what a chat wants
    const table = (isRowsDecl(decl) && !decl.series) || isEventsDecl(decl);
    if (table && Array.isArray(v) && v.length > 0 && v.every((r) => r && typeof r === 'object' && !Array.isArray(r))) {
      const sum = isRowsDecl(decl) ? decl.sum : undefined;
      out.tables.push({ name, rows: (v as Array<Record<string, unknown>>).map(withOwnerColumn), ...(sum ? { sum } : {}) });
    } else if (typeof v === 'number' && isFigure(decl)) out.numbers.push([name, v]);
  }
  return out;
}

function isOwner(o: unknown): o is Owner {
  return !!o && typeof o === 'object' && typeof (o as Owner).cgroupPath === 'string';
}

/**
 * A row as a chat shows it: its `owner` (probe-sdk owner/) as the first column, named the short way
 * (shop/web-0/web, docker:0123456789ab, nginx.service), and the cgroup id it came from left out.
 */
export function withOwnerColumn(row: Record<string, unknown>): Record<string, unknown> {
  if (!isOwner(row.owner)) return row;
  // an owner row's key (by pod / container) is the owner's name already
  const { owner, cgroup: _c, key: _k, ...rest } = row;
  return { owner: ownerLabel(owner), ...rest };
}

/** The histogram a picture or a stats line is about: by key, else the overall one. */
export function pickHistogram(data: unknown, shape: OutputShape | undefined, key?: string): Histogram | null {
  const s = shapesOf(data, shape);
  if (key !== undefined) return s.keyed.find((k) => k.key === key)?.hist ?? null;
  return s.total;
}

/** the buckets from the first to the last non-empty one */
export function usedBuckets(h: Histogram): Histogram['buckets'] {
  const first = h.buckets.findIndex((b) => b.count > 0);
  if (first < 0) return [];
  let last = h.buckets.length - 1;
  while (last > first && h.buckets[last]!.count === 0) last--;
  return h.buckets.slice(first, last + 1);
}

const SHORT_UNIT: Record<string, string> = { usecs: 'us', msecs: 'ms', nsecs: 'ns', secs: 's' };

export function unitSuffix(unit: string): string {
  return SHORT_UNIT[unit] ?? unit;
}

export function num(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
}

/** The statistics row every format shows: count, avg, p50, p90, p99, min, max (with unit). */
export function statsOf(h: Histogram): Array<[string, string]> {
  const u = unitSuffix(h.unit);
  const withUnit = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${num(v)} ${u}`);
  return [
    ['count', String(h.count)],
    ['avg', withUnit(h.avg)],
    ['p50', withUnit(h.p50?.value)],
    ['p90', withUnit(h.p90?.value)],
    ['p99', withUnit(h.p99?.value)],
    ['min', withUnit(h.min)],
    ['max', withUnit(h.max)],
  ];
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** a bar of `width` characters with eighth-block precision */
export function bar(count: number, max: number, width: number): string {
  if (max <= 0 || count <= 0) return '';
  const eighths = Math.max(1, Math.round((count / max) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/** A compact histogram for chats: only the used range, one line per bucket. */
export function compactHistogram(h: Histogram, width = 24): string {
  const rows = usedBuckets(h);
  if (rows.length === 0) return '(no samples)';
  const max = Math.max(...rows.map((b) => b.count));
  const ranges = rows.map((b) => `${b.lo} -> ${b.hi}`);
  const rw = Math.max(h.unit.length, ...ranges.map((r) => r.length));
  const cw = Math.max(5, ...rows.map((b) => String(b.count).length));
  const head = `${h.unit.padEnd(rw)}  ${'count'.padStart(cw)}`;
  return [head, ...rows.map((b, i) => `${ranges[i]!.padEnd(rw)}  ${String(b.count).padStart(cw)} ${bar(b.count, max, width)}`)].join('\n');
}

/** columns of a table of rows: the keys of the first rows, scalar values only */
export function columnsOf(rows: Array<Record<string, unknown>>, max = 8): string[] {
  const cols: string[] = [];
  for (const r of rows.slice(0, 20)) {
    for (const [k, v] of Object.entries(r)) {
      if (!cols.includes(k) && (v === null || ['string', 'number', 'boolean'].includes(typeof v))) cols.push(k);
    }
  }
  return cols.slice(0, max);
}

/** a table's first rows, busiest first by the figure its declaration ranks them by (else in their order) */
export function topRows(t: Table, n: number): Array<Record<string, unknown>> {
  const by = t.sum;
  const sorted = by ? [...t.rows].sort((a, b) => (Number(b[by]) || 0) - (Number(a[by]) || 0)) : t.rows;
  return sorted.slice(0, n);
}
