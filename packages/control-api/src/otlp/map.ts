/**
 * A finished result as OTLP data: the SDK's ResourceMetrics and ReadableLogRecords, built directly from
 * the result's numbers (the SDK's aggregation cannot take buckets that were counted in the kernel), for
 * otlp-transformer's protobuf serializers.
 *
 * Like the fleet merge and the chat formats, the walk is general over the shapes probes return:
 * - histograms (`{unit, buckets, count}`) → OTLP histograms; in rows (`histograms: [{key, hist}]`,
 *   `dwell: [{state, hist}]`) one point per row with the row's identifying fields as attributes;
 * - counted numbers → monotonic sums; levels (`min`, `max`, `*Pct`) and snapshot probes → gauges;
 * - `events` (and tcptrace's `packets`) → one log record each.
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
import type { Histogram, ResultEnvelope } from '@sonde/probe-sdk';
import { isHistogram } from '../formats/data.js';
import { VERSION } from '../version.js';
import { attrName, attrValue, CATEGORY_MAPS, countUnit, metricName, ownerAttributes, ucum } from './names.js';

/** log records per OTLP request */
export const LOG_BATCH = 1000;

export interface OtlpPayload {
  metrics: ResourceMetrics;
  metricPoints: number;
  /** the log records in request-sized batches, built as they are taken (100 000 events take about a second) */
  logs: Iterable<ReadableLogRecord[]>;
  logRecords: number;
}

/** event lists: one log record per element */
const EVENT_LISTS = new Set(['events', 'packets']);
/** interval views (`series`, `intervals`): the whole-job figures are elsewhere in the result */
const SKIP = new Set(['series', 'intervals']);
/** numbers that identify a row (attributes) rather than count something */
const IDENT = /(^|[a-z])(port|Port|pid|Pid|tid|Tid|uid|Uid|Id)$|^(family|netns|cpu|ifindex|index|maxBacklog|seq|key|flags)$/;
/** settings and derived values: not exported as figures */
const SETTING = /(^|[a-z])(Ms|Us|Ns)$|^(limit|top|size|at|value|ms)$/;
/** levels: gauges, never summed */
const LEVEL = /^(min|max|avg|maxPerPort|backlog)$|Pct$|Peak$/;
/** probes whose figures are a snapshot of one instant (gauges) */
const SNAPSHOT = new Set(['tcpports']);

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

/** a row's identifying fields; `key` is named by what the rows are keyed by (`by: 'raddr'`) when it says */
function rowAttributes(row: Obj, base: Attributes, by: string | undefined): Attributes {
  const out: Attributes = { ...base };
  for (const [k0, v] of Object.entries(row)) {
    if (k0 === 'owner') {
      Object.assign(out, ownerAttributes(v, false));
      continue;
    }
    if (isHistogram(v) || (typeof v === 'number' && !IDENT.test(k0))) continue;
    const k = k0 === 'key' && by ? by : k0;
    const a = pointAttr(attrValue(k, v));
    if (a !== undefined) out[attrName(k)] = a;
  }
  return out;
}

function number(f: Figures, probe: string, path: string[], k: string, v: number, attrs: Attributes): void {
  if (!Number.isFinite(v) || IDENT.test(k) || SETTING.test(k)) return;
  const name = metricName(probe, [...path, k]);
  if (LEVEL.test(k) || SNAPSHOT.has(probe) || v < 0) f.add('gauges', name, LEVEL.test(k) && k.endsWith('Pct') ? '%' : countUnit(k), { attrs, value: v });
  else f.add('sums', name, countUnit(k), { attrs, value: v });
}

function walk(f: Figures, probe: string, node: Obj, path: string[], attrs: Attributes): void {
  const hasKeyed = Array.isArray(node.histograms);
  const by = typeof node.by === 'string' && node.by !== 'none' ? node.by : undefined;
  for (const [k, v] of Object.entries(node)) {
    if (SKIP.has(k) || EVENT_LISTS.has(k)) continue;
    if (isHistogram(v)) {
      // `total` beside per-key histograms is their merge: the keyed points already say it
      if (!(k === 'total' && hasKeyed)) f.hist(metricName(probe, [...path, k]), { attrs, hist: v });
    } else if (typeof v === 'number') {
      number(f, probe, path, k, v, attrs);
    } else if (isObj(v)) {
      const cat = CATEGORY_MAPS[k];
      if (cat && Object.values(v).every((x) => typeof x === 'number')) {
        for (const [c, n] of Object.entries(v)) {
          const a = { ...attrs, [attrName(cat)]: attrValue(cat, c) as string };
          const name = metricName(probe, [...path, k]);
          if (SNAPSHOT.has(probe)) f.add('gauges', name, '{count}', { attrs: a, value: n as number });
          else f.add('sums', name, '{count}', { attrs: a, value: n as number });
        }
      } else {
        // `total: {...}` is the whole job's view: its figures need no `total` in their names
        walk(f, probe, v, k === 'total' ? path : [...path, k], attrs);
      }
    } else if (Array.isArray(v) && v.length > 0 && v.every(isObj)) {
      for (const row of v as Obj[]) {
        const ra = rowAttributes(row, attrs, by);
        for (const [rk, rv] of Object.entries(row)) {
          if (isHistogram(rv)) f.hist(metricName(probe, rk === 'hist' ? [...path, k] : [...path, k, rk]), { attrs: ra, hist: rv });
          else if (typeof rv === 'number') number(f, probe, [...path, k], rk, rv, ra);
        }
      }
    }
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
export function eventAttributes(ev: Obj): LogAttributes {
  const out: LogAttributes = { [ATTR_NETWORK_TRANSPORT]: 'tcp' };
  for (const [k, v] of Object.entries(ev)) {
    if (k === 'time' || v === null || v === undefined) continue;
    if (k === 'owner') {
      Object.assign(out, ownerAttributes(v, true));
      continue;
    }
    out[attrName(k)] = attrValue(k, v) as LogAttributes[string];
  }
  return out;
}

const FAILED = new Set(['refused', 'timeout', 'unreachable', 'aborted', 'error']);

function eventBody(probe: string, ev: Obj): string {
  const end = (a: unknown, p: unknown) => (a === undefined ? '' : `${String(a)}:${String(p ?? '')}`);
  const tuple = ev.laddr !== undefined ? ` ${end(ev.laddr, ev.lport)} > ${end(ev.raddr, ev.rport)}` : ev.saddr !== undefined ? ` ${end(ev.saddr, ev.sport)} > ${end(ev.daddr, ev.dport)}` : '';
  const what = [ev.type, ev.outcome, ev.oldstate !== undefined ? `${String(ev.oldstate)}->${String(ev.newstate)}` : undefined, ev.reason, ev.error]
    .filter((x) => typeof x === 'string' && x !== '')
    .join(' ');
  return `${probe}${ev.comm ? ` ${String(ev.comm)}` : ''}${tuple}${what ? ` ${what}` : ''}`;
}

function eventLists(data: unknown): Obj[][] {
  if (!isObj(data)) return [];
  return [...EVENT_LISTS].map((k) => data[k]).filter((v): v is Obj[] => Array.isArray(v) && v.every(isObj));
}

/** Map a stored result to what one export sends. */
export function toOtlp(result: ResultEnvelope): OtlpPayload {
  const resource = resourceOf(result);
  const start = hrTime(result.startedAt);
  const end = hrTime(result.endedAt);
  const f = new Figures();
  const base: Attributes = { [ATTR_NETWORK_TRANSPORT]: 'tcp' };
  if (isHistogram(result.data)) f.hist(metricName(result.probe, ['histogram']), { attrs: base, hist: result.data });
  else if (isObj(result.data)) walk(f, result.probe, result.data, [], base);
  // what the job itself saw: events that reached user space, lost in the ring buffer, dropped past the cap
  const stats = result.stats ?? { events: 0, lost: 0, dropped: 0 };
  for (const [k, v] of [['seen', stats.events], ['lost', stats.lost], ['dropped', stats.dropped]] as const) {
    f.add('sums', `sonde.job.events.${k}`, '{event}', { attrs: {}, value: v });
  }
  const metrics = metricData(f, start, end);
  const scope = { name: `sonde.${result.probe}`, version: result.probeVersion };
  const metricPoints = metrics.reduce((n, m) => n + m.dataPoints.length, 0);

  const lists = eventLists(result.data);
  const logRecords = lists.reduce((n, l) => n + l.length, 0);
  const record = (ev: Obj, observed: HrTime): ReadableLogRecord => {
    const failed = FAILED.has(String(ev.outcome));
    return {
      hrTime: hrTime(typeof ev.time === 'string' ? ev.time : undefined, Date.parse(result.endedAt)),
      hrTimeObserved: observed,
      severityNumber: failed ? SeverityNumber.WARN : SeverityNumber.INFO,
      severityText: failed ? 'WARN' : 'INFO',
      body: eventBody(result.probe, ev),
      eventName: `sonde.${result.probe}.event`,
      resource,
      instrumentationScope: scope,
      attributes: eventAttributes(ev),
      droppedAttributesCount: 0,
    };
  };
  const logs = {
    *[Symbol.iterator](): Iterator<ReadableLogRecord[]> {
      const all = lists.flat();
      for (let i = 0; i < all.length; i += LOG_BATCH) {
        const observed = hrTime(undefined);
        yield all.slice(i, i + LOG_BATCH).map((ev) => record(ev, observed));
      }
    },
  };
  return { metrics: { resource, scopeMetrics: [{ scope, metrics }] }, metricPoints, logs, logRecords };
}
