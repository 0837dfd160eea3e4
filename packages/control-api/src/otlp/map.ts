/**
 * A finished result as OTLP data: the SDK's ResourceMetrics and ReadableLogRecords, built directly from
 * the result's numbers (the SDK's aggregation cannot take buckets that were counted in the kernel), for
 * otlp-transformer's protobuf serializers.
 *
 * Like the fleet merge and the chat formats, the walk reads the probe's output declaration (the result's
 * `shape`, probe-sdk output.ts; a result without one is inferred from its values):
 * - histograms → OTLP histograms (named by the declaration when it says); in rows one point per row
 *   with the row's `key` and `label` fields as attributes; a declared total beside keyed histograms is
 *   their merge, which the keyed points already say;
 * - `count` figures → monotonic sums; `level`, `max` and `min` figures → gauges; counts by a category →
 *   one metric with the category as an attribute; keys, labels and settings are no figures;
 * - event lists → one log record each, at their declared time; interval views (`series`) are left out.
 * Temporality is DELTA: a job is one bounded window [startedAt, endedAt] whose counts start at zero;
 * the next job is a new window, not a continuation of a running total.
 */
import { hostname } from 'node:os';
import { ValueType, type Attributes, type AttributeValue, type HrTime } from '@opentelemetry/api';
import { SeverityNumber, type LogAttributes } from '@opentelemetry/api-logs';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  DataPointType,
  type DataPoint,
  type Histogram as OtelHistogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { ATTR_NETWORK_TRANSPORT, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { ATTR_HOST_NAME, ATTR_OS_TYPE, ATTR_OS_VERSION } from '@opentelemetry/semantic-conventions/incubating';
import {
  eventSummary,
  eventWarns,
  inferDecl,
  inferShape,
  isCategoryDecl,
  isEventsDecl,
  isFieldsDecl,
  isFigure,
  isHistogram,
  isHistogramDecl,
  isRowsDecl,
  keyName,
  roleOf,
  unitOf,
  type Decl,
  type EventsDecl,
  type Histogram,
  type HistogramDecl,
  type OutputKind,
  type OutputShape,
  type ResultEnvelope,
} from '@sonde/probe-sdk';
import { VERSION } from '../version.js';
import { attrName, attrValue, metricName, ownerAttributes, snake, ucum } from './names.js';

/** log records per OTLP request */
export const LOG_BATCH = 1000;

export interface OtlpPayload {
  metrics: ResourceMetrics;
  metricPoints: number;
  /** the log records in request-sized batches, built as they are taken (100 000 events take about a second) */
  logs: Iterable<ReadableLogRecord[]>;
  logRecords: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function hrTime(iso: string | undefined, fallbackMs = Date.now()): HrTime {
  const parsed = iso === undefined ? NaN : Date.parse(iso);
  const ms = Number.isFinite(parsed) ? parsed : fallbackMs;
  return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
}

/**
 * Explicit bounds from the log2 buckets: OTLP bucket i holds (bounds[i-1], bounds[i]], so each bucket's
 * inclusive integer `hi` is its upper bound; the last bucket is left open (the kernel's top slot also
 * takes anything larger).
 */
export function otlpHistogram(h: Histogram): OtelHistogram {
  const b = h.buckets;
  return {
    buckets: { boundaries: b.slice(0, -1).map((x) => x.hi), counts: b.length ? b.map((x) => x.count) : [0] },
    count: h.count,
    ...(typeof h.sum === 'number' && !h.sumEstimated ? { sum: h.sum } : {}),
    ...(h.count > 0 && typeof h.min === 'number' ? { min: h.min } : {}),
    ...(h.count > 0 && typeof h.max === 'number' ? { max: h.max } : {}),
  };
}

export function resourceOf(result: ResultEnvelope): Resource {
  return resourceFromAttributes({
    [ATTR_SERVICE_NAME]: 'sonde',
    [ATTR_SERVICE_VERSION]: VERSION,
    [ATTR_HOST_NAME]: result.host?.hostname ?? hostname(),
    [ATTR_OS_TYPE]: 'linux',
    [ATTR_OS_VERSION]: result.host?.kernel ?? '',
    'sonde.job.id': result.jobId,
    'sonde.probe.name': result.probe,
    'sonde.probe.version': result.probeVersion,
    ...(result.variant ? { 'sonde.probe.variant': result.variant } : {}),
    // a job narrowed to one owner (a pod, a container) may carry it on the result or its host
    ...ownerAttributes((result as { owner?: unknown }).owner ?? (result.host as { owner?: unknown } | undefined)?.owner, false),
  });
}

type Point = { attrs: Attributes; value: number };
type HistPoint = { attrs: Attributes; hist: Histogram };

class Figures {
  readonly sums = new Map<string, { unit: string; points: Point[] }>();
  readonly gauges = new Map<string, { unit: string; points: Point[] }>();
  readonly hists = new Map<string, { unit: string; points: HistPoint[] }>();

  add(kind: 'sums' | 'gauges', name: string, unit: string, p: Point): void {
    const m = this[kind].get(name) ?? { unit, points: [] };
    m.points.push(p);
    this[kind].set(name, m);
  }

  hist(name: string, p: HistPoint): void {
    const m = this.hists.get(name) ?? { unit: ucum(p.hist.unit), points: [] };
    m.points.push(p);
    this.hists.set(name, m);
  }
}

/** a data point attribute: primitives and homogeneous arrays of them (metric attributes are no deeper) */
function pointAttr(v: unknown): AttributeValue | undefined {
  if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return v;
  if (!Array.isArray(v)) return undefined;
  for (const t of ['string', 'number', 'boolean'] as const) if (v.every((x) => typeof x === t)) return v as AttributeValue;
  return JSON.stringify(v);
}

/** what a walk needs besides the node it is at */
interface Walk {
  f: Figures;
  probe: string;
  kind: OutputKind;
  /** what rows' `key` field holds (`by: 'raddr'`), from the declared `by` setting */
  by: string | null;
  /** the declared total beside keyed histograms: their merge, not exported again */
  skipTotal: string | undefined;
}

/** a row's `key` and `label` fields (its owner flattened); `key` is named by what the rows are keyed by */
function rowAttributes(w: Walk, row: Obj, decls: Readonly<Record<string, Decl>>, base: Attributes): Attributes {
  const out: Attributes = { ...base };
  for (const [k0, v] of Object.entries(row)) {
    const role = roleOf(decls[k0]);
    if (role !== 'key' && role !== 'label') continue;
    if (k0 === 'owner') {
      Object.assign(out, ownerAttributes(v, false));
      continue;
    }
    const k = k0 === 'key' && w.by ? w.by : k0;
    const a = pointAttr(attrValue(k, v));
    if (a !== undefined) out[attrName(k)] = a;
  }
  return out;
}

function histName(probe: string, path: string[], d: HistogramDecl): string {
  return d.name ? `sonde.${snake(probe)}.${d.name}` : metricName(probe, path);
}

function number(w: Walk, path: string[], d: Decl, v: number, attrs: Attributes): void {
  if (!Number.isFinite(v) || !isFigure(d)) return;
  const unit = unitOf(d);
  w.f.add(roleOf(d) === 'count' ? 'sums' : 'gauges', metricName(w.probe, path), unit ? ucum(unit) : '{count}', { attrs, value: v });
}

function walk(w: Walk, node: Obj, decls: Readonly<Record<string, Decl>>, path: string[], attrs: Attributes): void {
  for (const [k, v] of Object.entries(node)) {
    // a field the declaration does not name (a newer probe's): read from its value
    const d = decls[k] ?? inferDecl(w.kind, [v], false);
    if (isEventsDecl(d) || (isRowsDecl(d) && d.series)) continue;
    if (isHistogramDecl(d)) {
      if (isHistogram(v) && !(path.length === 0 && k === w.skipTotal)) w.f.hist(histName(w.probe, [...path, k], d), { attrs, hist: v });
    } else if (isFieldsDecl(d)) {
      // the whole job's view (`total: {...}`): its figures need no `total` in their names
      if (isObj(v)) walk(w, v, d.fields, d.whole ? path : [...path, k], attrs);
    } else if (isCategoryDecl(d)) {
      if (!isObj(v)) continue;
      for (const [c, n] of Object.entries(v)) {
        if (typeof n !== 'number') continue;
        const a = { ...attrs, [attrName(d.category)]: attrValue(d.category, c) as string };
        w.f.add(d.level ? 'gauges' : 'sums', metricName(w.probe, [...path, k]), '{count}', { attrs: a, value: n });
      }
    } else if (isRowsDecl(d)) {
      if (!Array.isArray(v)) continue;
      for (const row of v.filter(isObj)) {
        const ra = rowAttributes(w, row, d.rows, attrs);
        for (const [rk, rv] of Object.entries(row)) {
          const rd = d.rows[rk];
          if (isHistogramDecl(rd) && isHistogram(rv)) w.f.hist(histName(w.probe, [...path, k, rk], rd), { attrs: ra, hist: rv });
          else if (typeof rv === 'number' && rd !== undefined) number(w, [...path, k, rk], rd, rv, ra);
        }
      }
    } else if (typeof v === 'number') number(w, [...path, k], d, v, attrs);
  }
}

function metricData(f: Figures, start: HrTime, end: HrTime): MetricData[] {
  const out: MetricData[] = [];
  const dp = <T>(attrs: Attributes, value: T): DataPoint<T> => ({ startTime: start, endTime: end, attributes: attrs, value });
  const desc = (name: string, unit: string, valueType: ValueType) => ({ name, unit, description: '', valueType });
  for (const [name, m] of f.hists) {
    out.push({
      descriptor: desc(name, m.unit, ValueType.DOUBLE),
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: m.points.map((p) => dp(p.attrs, otlpHistogram(p.hist))),
    });
  }
  const valueType = (ps: Point[]) => (ps.every((p) => Number.isInteger(p.value)) ? ValueType.INT : ValueType.DOUBLE);
  for (const [name, m] of f.sums) {
    out.push({
      descriptor: desc(name, m.unit, valueType(m.points)),
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: m.points.map((p) => dp(p.attrs, p.value)),
    });
  }
  for (const [name, m] of f.gauges) {
    out.push({
      descriptor: desc(name, m.unit, valueType(m.points)),
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPointType: DataPointType.GAUGE,
      dataPoints: m.points.map((p) => dp(p.attrs, p.value)),
    });
  }
  return out;
}

/** one event's attributes: every field (semconv names where they exist) but its time */
export function eventAttributes(ev: Obj, time = 'time'): LogAttributes {
  const out: LogAttributes = { [ATTR_NETWORK_TRANSPORT]: 'tcp' };
  for (const [k, v] of Object.entries(ev)) {
    if (k === time || v === null || v === undefined) continue;
    if (k === 'owner') {
      Object.assign(out, ownerAttributes(v, true));
      continue;
    }
    out[attrName(k)] = attrValue(k, v) as LogAttributes[string];
  }
  return out;
}

/** the declared event lists, each with its declaration (time field, summary, when a warning) */
function eventLists(shape: OutputShape, data: unknown): Array<{ events: Obj[]; decl: EventsDecl }> {
  if (!isObj(data)) return [];
  return Object.entries(shape.fields).flatMap(([k, d]) => {
    const v = data[k];
    return isEventsDecl(d) && Array.isArray(v) ? [{ events: v.filter(isObj), decl: d }] : [];
  });
}

/** Map a stored result to what one export sends. */
export function toOtlp(result: ResultEnvelope): OtlpPayload {
  const resource = resourceOf(result);
  const start = hrTime(result.startedAt);
  const end = hrTime(result.endedAt);
  const f = new Figures();
  const base: Attributes = { [ATTR_NETWORK_TRANSPORT]: 'tcp' };
  const shape = result.shape ?? inferShape(result.kind, [result.data]);
  if (isHistogram(result.data)) f.hist(metricName(result.probe, ['histogram']), { attrs: base, hist: result.data });
  else if (isObj(result.data)) {
    const skipTotal = shape.histogram?.keyed !== undefined ? shape.histogram.total : undefined;
    walk({ f, probe: result.probe, kind: result.kind, by: keyName(shape, result.data), skipTotal }, result.data, shape.fields, [], base);
  }
  // what the job itself saw: events that reached user space, lost in the ring buffer, dropped past the cap
  const stats = result.stats ?? { events: 0, lost: 0, dropped: 0 };
  for (const [k, v] of [['seen', stats.events], ['lost', stats.lost], ['dropped', stats.dropped]] as const) {
    f.add('sums', `sonde.job.events.${k}`, '{event}', { attrs: {}, value: v });
  }
  const metrics = metricData(f, start, end);
  const scope = { name: `sonde.${result.probe}`, version: result.probeVersion };
  const metricPoints = metrics.reduce((n, m) => n + m.dataPoints.length, 0);

  const lists = eventLists(shape, result.data);
  const logRecords = lists.reduce((n, l) => n + l.events.length, 0);
  const record = (ev: Obj, decl: EventsDecl, observed: HrTime): ReadableLogRecord => {
    const failed = eventWarns(decl, ev);
    const time = decl.events.time;
    const at = time !== undefined ? ev[time] : undefined;
    return {
      hrTime: hrTime(typeof at === 'string' ? at : undefined, Date.parse(result.endedAt)),
      hrTimeObserved: observed,
      severityNumber: failed ? SeverityNumber.WARN : SeverityNumber.INFO,
      severityText: failed ? 'WARN' : 'INFO',
      body: eventSummary(result.probe, decl, ev),
      eventName: `sonde.${result.probe}.event`,
      resource,
      instrumentationScope: scope,
      attributes: eventAttributes(ev, time),
      droppedAttributesCount: 0,
    };
  };
  const logs = {
    *[Symbol.iterator](): Iterator<ReadableLogRecord[]> {
      const all = lists.flatMap((l) => l.events.map((ev) => ({ ev, decl: l.decl })));
      for (let i = 0; i < all.length; i += LOG_BATCH) {
        const observed = hrTime(undefined);
        yield all.slice(i, i + LOG_BATCH).map(({ ev, decl }) => record(ev, decl, observed));
      }
    },
  };
  return { metrics: { resource, scopeMetrics: [{ scope, metrics }] }, metricPoints, logs, logRecords };
}
