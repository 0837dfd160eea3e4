/**
 * The shapes the chat formats know how to show, found in any probe's `data` without knowing the
 * probe: histograms (the overall one and keyed ones, busiest first), lists of rows (events,
 * report tables) and plain numbers.
 */
import { ownerLabel, type Histogram, type Owner } from '@sonde/probe-sdk';

export interface KeyedHist {
  key: string;
  hist: Histogram;
}

export interface Shapes {
  /** the overall histogram (data.total, or data itself) */
  total: Histogram | null;
  /** per-key histograms when grouped (key null → 'all') */
  keyed: KeyedHist[];
  /** what the keys are: 'key', or the grouping (`by`: laddr, pod, container, ...) */
  keyName: string;
  /** named lists of rows: data.events, data.drops, … */
  tables: Array<{ name: string; rows: Array<Record<string, unknown>> }>;
  /** top-level numbers of data */
  numbers: Array<[string, number]>;
}

export function isHistogram(x: unknown): x is Histogram {
  const h = x as Histogram | null;
  return !!h && typeof h === 'object' && Array.isArray(h.buckets) && typeof h.count === 'number' && typeof h.unit === 'string';
}

export function shapesOf(data: unknown): Shapes {
  const out: Shapes = { total: null, keyed: [], keyName: 'key', tables: [], numbers: [] };
  if (isHistogram(data)) return { ...out, total: data };
  if (Array.isArray(data)) return { ...out, tables: [{ name: 'rows', rows: data.filter((r) => r && typeof r === 'object') as Array<Record<string, unknown>> }] };
  if (!data || typeof data !== 'object') return out;
  const d = data as Record<string, unknown>;
  if (isHistogram(d.total)) out.total = d.total;
  if (typeof d.by === 'string' && d.by !== 'none') out.keyName = d.by;
  for (const [name, v] of Object.entries(d)) {
    if (name === 'series') continue; // interval deltas: the whole-job view is what a chat wants
    if (name === 'histograms' && Array.isArray(v) && v.every((e) => e && isHistogram((e as { hist?: unknown }).hist))) {
      out.keyed = (v as Array<{ key: unknown; hist: Histogram }>)
        .map((e) => ({ key: e.key === null || e.key === undefined ? 'all' : String(e.key), hist: e.hist }))
        .sort((a, b) => b.hist.count - a.hist.count);
      if (!out.total && out.keyed.length === 1) out.total = out.keyed[0]!.hist;
    } else if (Array.isArray(v) && v.length > 0 && v.every((r) => r && typeof r === 'object' && !Array.isArray(r))) {
      out.tables.push({ name, rows: (v as Array<Record<string, unknown>>).map(withOwnerColumn) });
    } else if (typeof v === 'number') out.numbers.push([name, v]);
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
export function pickHistogram(data: unknown, key?: string): Histogram | null {
  const s = shapesOf(data);
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

/** rows sorted by their `count` (or `value`/`bytes`) when they have one, busiest first */
export function topRows(rows: Array<Record<string, unknown>>, n: number): Array<Record<string, unknown>> {
  const by = ['count', 'value', 'bytes', 'total'].find((k) => rows.some((r) => typeof r[k] === 'number'));
  const sorted = by ? [...rows].sort((a, b) => (Number(b[by]) || 0) - (Number(a[by]) || 0)) : rows;
  return sorted.slice(0, n);
}
