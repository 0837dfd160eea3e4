/**
 * What a metric means over a result envelope. In order of lookup:
 *
 * 1. histogram statistics — count, sum, avg (mean), min, max, p50, p90, p99 and any pNN / pNN.N —
 *    of the histogram the result is about, as its output declaration (`result.shape`) says
 *    (`histogram.total`, or `data` itself when it is a histogram). Labels pick the declared keyed
 *    histograms (`p99{key=10.0.0.7}`; any field of their rows, and the owner of a key:
 *    `p99{pod=shop/web-0}`, `{container=web}`, `{namespace=shop}`), merged when several match.
 *    A dotted path names another declared histogram field: `latency.p99`.
 * 2. a field of `data`, or a name the probe declares for one (`drops` → `reasons`): a number is
 *    itself; a list of rows counts the rows matching the labels (owner labels too:
 *    `retransmits{pod=shop/web-0}`), or sums the figure its declaration names (`sum`); an object of
 *    numbers sums the entries whose key equals the (single) label value.
 * 3. the envelope's stats: `events`, `lost`, `dropped`; and `duration` (seconds).
 *
 * A result without a declaration (stored before results carried one) is read with probe-sdk's
 * inferShape: from its values alone.
 *
 * And the kernel's own counters over the job (`kernel.counters`), named as nstat does, in full or
 * without the group: `counter{ListenOverflows}` is the counter's delta (0 when it did not move);
 * `crosscheck{ListenOverflows}` the verdict of the cross-checks on it (all of them: agree, disagree),
 * compared with `agree` or `disagree`; bare `crosscheck` every cross-check that expects something;
 * `traced{ListenOverflows}` the probe's figure it was checked against.
 *
 * `/s` divides by the job's duration in seconds. Time statistics carry the histogram's unit and
 * compare in nanoseconds; everything else is a plain number.
 */
import {
  inferDecl,
  inferShape,
  isHistogram,
  isHistogramDecl,
  isRowsDecl,
  keyedHistograms,
  mergeHistograms,
  percentile,
  totalHistogram,
  type Decl,
  type Histogram,
  type OutputShape,
  type ResultEnvelope,
} from '@sonde/probe-sdk';
import { resolveKernelMetric } from './kernel.js';
import type { Label, MetricRef } from './grammar.js';

/** 'verdict': 1 agree, 0 disagree (cross-checks) */
export type Dimension = 'time' | 'number' | 'verdict';

export interface Resolved {
  /** null: the metric exists but has no value (e.g. p99 of an empty histogram) */
  value: number | null;
  /** 'time' values are nanoseconds */
  dim: Dimension;
  /** why value is null */
  why?: string;
}

export class MetricError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricError';
  }
}

const TIME_UNIT_NS: Record<string, number> = { nsecs: 1, ns: 1, usecs: 1e3, us: 1e3, msecs: 1e6, ms: 1e6, secs: 1e9, s: 1e9 };
const STATS = ['count', 'sum', 'avg', 'mean', 'min', 'max', 'p50', 'p90', 'p99'];
const PCT = /^p(\d{1,2})(?:_?(\d+))?$/;

/** the result's output declaration; a result stored before results carried one is read from its values */
function shapeOf(r: ResultEnvelope): OutputShape {
  return r.shape ?? inferShape(r.kind, [r.data]);
}

function isStat(name: string): boolean {
  return STATS.includes(name) || PCT.test(name);
}

/**
 * What an owner label names on a row with an `owner` (probe-sdk owner/: events, report rows and
 * histogram keys): `pod` is "namespace/name" or the name, `container` the container's name,
 * "namespace/pod/container" or the start of its id, `namespace`, `runtime`, `unit`. Names the
 * row's own fields take first.
 */
function ownerMatches(owner: unknown, name: string, value: string): boolean | undefined {
  if (!owner || typeof owner !== 'object') return undefined;
  const o = owner as Record<string, unknown>;
  switch (name) {
    case 'pod':
      return o.pod !== undefined && (value === o.pod || value === `${String(o.namespace)}/${String(o.pod)}` || value === o.podUid);
    case 'container':
      return (
        (o.container !== undefined && (value === o.container || value === `${String(o.namespace)}/${String(o.pod)}/${String(o.container)}`)) ||
        (typeof o.containerId === 'string' && value.length >= 4 && o.containerId.startsWith(value))
      );
    case 'namespace':
    case 'runtime':
    case 'unit':
      return o[name] !== undefined && String(o[name]) === value;
    default:
      return undefined;
  }
}

function labelMatch(row: Record<string, unknown>, labels: Label[]): boolean {
  return labels.every((l) => {
    const v = row[l.name];
    const eq = v !== undefined && v !== null ? String(v) === l.value : (ownerMatches(row.owner, l.name, l.value) ?? false);
    return l.op === '=' ? eq : !eq;
  });
}

function statOf(h: Histogram, stat: string): { value: number | null; time: boolean; why?: string } {
  const ns = TIME_UNIT_NS[h.unit];
  const scale = (v: number | null | undefined) => (v === null || v === undefined ? null : ns ? v * ns : v);
  const empty = h.count === 0 ? `the histogram is empty (no samples)` : undefined;
  switch (stat) {
    case 'count':
      return { value: h.count, time: false };
    case 'sum':
      return { value: scale(h.sum), time: !!ns };
    case 'avg':
    case 'mean':
      return { value: scale(h.avg), time: !!ns, ...(empty ? { why: empty } : {}) };
    case 'min':
    case 'max':
      return { value: scale(h[stat]), time: !!ns, ...(empty ? { why: empty } : { why: `${stat} not recorded` }) };
    default: {
      const m = PCT.exec(stat)!;
      const q = Number(`${m[1]}${m[2] ? `.${m[2]}` : ''}`) / 100;
      const p = percentile(h, q);
      return { value: scale(p?.value), time: !!ns, ...(empty ? { why: empty } : {}) };
    }
  }
}

/** Names this result can answer, for error messages. */
export function availableMetrics(r: ResultEnvelope): string[] {
  const out: string[] = [];
  const data = r.data as Record<string, unknown> | null;
  const shape = shapeOf(r);
  if (totalHistogram(shape, data) || keyedHistograms(shape, data)) out.push(...STATS.filter((s) => s !== 'mean'));
  if (data && typeof data === 'object' && !isHistogram(data)) {
    for (const [k, v] of Object.entries(data)) {
      if (k === shape.histogram?.total) continue;
      if (isHistogramDecl(shape.fields[k]) && isHistogram(v)) out.push(`${k}.p99`);
      else if (typeof v === 'number' || Array.isArray(v) || (v && typeof v === 'object')) out.push(k);
    }
    for (const [name, to] of Object.entries(shape.aliases ?? {})) if (to in data && !(name in data)) out.push(name);
  }
  out.push('events', 'lost', 'dropped', 'duration');
  if (r.kernel?.counters) out.push('counter{NAME}', 'crosscheck{NAME}', 'traced{NAME}');
  return [...new Set(out)];
}

function histogramsOf(shape: OutputShape, data: unknown, labels: Label[]): Histogram | undefined {
  const total = totalHistogram(shape, data);
  if (labels.length === 0 && total) return total;
  const keyed = keyedHistograms(shape, data);
  if (!keyed) return undefined;
  const picked = keyed.rows.filter((k) => labelMatch(k, labels)).map((k) => k[keyed.hist] as Histogram);
  // an empty pick is an empty histogram in the result's unit
  const unit = (keyed.rows[0]?.[keyed.hist] as Histogram | undefined)?.unit ?? total?.unit ?? declaredUnit(shape.fields[shape.histogram!.keyed!]);
  return mergeHistograms(picked, unit);
}

function declaredUnit(rows: Decl | undefined): string {
  const h = isRowsDecl(rows) ? Object.values(rows.rows).find(isHistogramDecl) : undefined;
  const u = h?.histogram;
  return (Array.isArray(u) ? u[0] : u) ?? 'usecs';
}

function fromData(value: unknown, labels: Label[], name: string, decl: Decl): number | undefined {
  if (typeof value === 'number') {
    if (labels.length) throw new MetricError(`'${name}' is a single number; it takes no labels`);
    return value;
  }
  if (Array.isArray(value)) {
    const rows = value.filter((r): r is Record<string, unknown> => !!r && typeof r === 'object');
    const picked = rows.filter((r) => labelMatch(r, labels));
    const field = isRowsDecl(decl) ? decl.sum : undefined;
    return field ? picked.reduce((s, r) => s + (typeof r[field] === 'number' ? (r[field] as number) : 0), 0) : picked.length;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => typeof v === 'number') as Array<[string, number]>;
    if (entries.length === 0) return undefined;
    if (labels.length > 1) throw new MetricError(`'${name}' is keyed by one label; got ${labels.length}`);
    const l = labels[0];
    return entries.filter(([k]) => !l || (l.op === '=' ? k === l.value : k !== l.value)).reduce((s, [, v]) => s + v, 0);
  }
  return undefined;
}

/** The value of a metric over a result; throws MetricError when the result has no such metric. */
export function resolveMetric(m: MetricRef, r: ResultEnvelope): Resolved {
  const data = (r.data && typeof r.data === 'object' ? r.data : {}) as Record<string, unknown>;
  const seconds = r.durationMs / 1000;
  const perSecond = (v: number | null, dim: Dimension): Resolved => {
    if (!m.rate) return { value: v, dim };
    if (dim === 'time') throw new MetricError(`'${m.text}': a rate (/s) applies to counts, not to times`);
    if (!(seconds > 0)) return { value: null, dim, why: 'the job has no duration' };
    return { value: v === null ? null : v / seconds, dim };
  };
  const unknown = () =>
    new MetricError(`unknown metric '${m.path.join('.')}' for this ${r.probe} result; it has: ${availableMetrics(r).join(', ')}`);

  const kernel = resolveKernelMetric(m, r, data);
  if (kernel) return m.rate ? perSecond(kernel.value, kernel.dim) : kernel;

  const shape = shapeOf(r);
  let path = m.path;
  const alias = path.length === 1 ? shape.aliases?.[path[0]!] : undefined;
  if (alias && !(path[0]! in data)) path = [alias];
  const [head, ...rest] = path as [string, ...string[]];

  // 1. statistics of the overall (or label-picked) histogram
  if (rest.length === 0 && isStat(head)) {
    const h = histogramsOf(shape, r.data, m.labels);
    if (h) {
      const s = statOf(h, head);
      const res = perSecond(s.value, s.time ? 'time' : 'number');
      return s.value === null && s.why ? { ...res, why: s.why } : res;
    }
  }
  // a named histogram field: latency.p99
  if (rest.length === 1 && isStat(rest[0]!) && isHistogramDecl(shape.fields[head]) && isHistogram(data[head])) {
    if (m.labels.length) throw new MetricError(`'${m.text}': labels pick keyed histograms, not a named one`);
    const s = statOf(data[head] as Histogram, rest[0]!);
    const res = perSecond(s.value, s.time ? 'time' : 'number');
    return s.value === null && s.why ? { ...res, why: s.why } : res;
  }
  if (rest.length > 0) throw unknown();

  // 2. a field of data
  if (head in data) {
    const v = fromData(data[head], m.labels, head, shape.fields[head] ?? inferDecl(r.kind, [data[head]], false));
    if (v !== undefined) return perSecond(v, 'number');
  }
  // 3. the envelope's stats
  if (head === 'events' || head === 'lost' || head === 'dropped') {
    if (m.labels.length) throw new MetricError(`'${head}' counts the whole job; labels apply to data fields`);
    return perSecond(r.stats[head], 'number');
  }
  if (head === 'duration') {
    if (m.rate || m.labels.length) throw new MetricError("'duration' takes no labels and no rate");
    return { value: r.durationMs * 1e6, dim: 'time' };
  }
  throw unknown();
}
