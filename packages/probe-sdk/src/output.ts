/**
 * A probe's output declared once: beside its kind (`output`), the shape of `data` field by field
 * (`shape`), typed against the data the probe returns (a field the declaration leaves out, or one the
 * data lacks, does not compile). The catalogue and every result carry both as one OutputShape.
 * Fleet merge, checks, the chat formats, the OTLP export and the web page read it; none of them guesses
 * from field names.
 *
 * A field is one of:
 * - a role: `'key'` identifies its row (rows with equal keys merge; an attribute of the row's figures),
 *   `'label'` describes it (the first node's; an attribute), `'setting'` describes the job (unit, grouping,
 *   interval: the same on every node; not a figure); and for numbers the figures: `'count'` (counted over
 *   the job: adds up across nodes, an OTLP monotonic sum), `'level'` (a level at one instant that adds up
 *   across nodes: sockets held; an OTLP gauge), `'max'` / `'min'` (a level: the largest / smallest node's;
 *   a gauge). A figure with a unit: `{ count: 'bytes' }`.
 * - `{ histogram: unit }`: a probe-sdk Histogram (merged bucket-wise; an OTLP histogram, `name` renames it);
 * - `{ fields: {...} }`: a nested object; `whole: true` marks the whole job's figures beside per-interval
 *   views (`total: {...}`): metric names leave its own name out;
 * - `{ rows: {...} }`: an array of rows merged by their `'key'` fields; `sum` is the figure a check sums
 *   over the matching rows (else it counts them); `series: true` marks interval views (the whole job's
 *   figures are elsewhere in the result);
 * - `{ events: { time, summary, warn } }`: an event list, concatenated across nodes (each event tagged with
 *   its node) and ordered by its wall-clock `time` field; each event is an OTLP log record whose body is
 *   the declared `summary` line and whose severity is WARN when `warn` says so;
 * - `{ category: 'state' }`: an object of counts by a category (`states: {LISTEN: 3}`), summed per
 *   category; one OTLP metric with the category as an attribute (`level: true`: a gauge).
 */
import type { Histogram } from './histogram.js';

export type OutputKind = 'histogram' | 'events' | 'report';
export const OUTPUT_KINDS: readonly OutputKind[] = ['histogram', 'events', 'report'];

export type ValueRole = 'key' | 'label' | 'setting';
export type FigureRole = 'count' | 'level' | 'max' | 'min';
export const FIGURE_ROLES: readonly FigureRole[] = ['count', 'level', 'max', 'min'];
export type Role = ValueRole | FigureRole;
/** a figure with its unit (`{ count: 'bytes' }`, `{ max: '%' }`) */
export type UnitFigure = { count: string } | { level: string } | { max: string } | { min: string };

export interface HistogramDecl {
  /** the unit its buckets count in (the units a param may switch between) */
  histogram: string | readonly string[];
  /** the OTLP metric name below `sonde.<probe>.` when its path says little (`rtt`, `latency`) */
  name?: string;
}
export interface FieldsDecl {
  fields: { readonly [field: string]: Decl };
  /** the whole job's figures beside per-interval views: metric names leave this field's name out */
  whole?: true;
}
export interface RowsDecl {
  rows: { readonly [field: string]: Decl };
  /** the figure a check sums over the rows its labels pick (default: it counts them) */
  sum?: string;
  /** interval views: the whole job's figures are elsewhere in the result */
  series?: true;
}
/**
 * An event's one-line summary (an OTLP log record's body), after the probe's name: `who` (the process),
 * `flow` (local address, port, remote address, port: `a:p > a:p`), then `what` in order (strings as they
 * are, numbers as `name=value`, a pair `[from, to]` as `from->to`; empty values left out).
 */
export interface EventSummary {
  who?: string;
  flow?: readonly [string, string, string, string];
  what?: ReadonlyArray<string | readonly [string, string]>;
}
/** when an event is a warning: always (`true`), or when `field` holds one of `values` */
export type EventWarn = true | { field: string; values: readonly string[] };
export interface EventsDecl {
  /** `time`: the events' wall-clock field (ISO 8601), which orders them across nodes */
  events: { time?: string; summary?: EventSummary; warn?: EventWarn };
}
export interface CategoryDecl {
  /** what the keys are (the attribute's name): `states: {LISTEN: 3}` → state */
  category: string;
  /** counts at one instant (a snapshot): OTLP gauges */
  level?: true;
}
export type Decl = Role | UnitFigure | HistogramDecl | FieldsDecl | RowsDecl | EventsDecl | CategoryDecl;

/** What a probe declares of its `data` (defineProbe's `shape`). */
export interface ShapeDeclaration {
  fields: { readonly [field: string]: Decl };
  /**
   * The histogram the result is about: `total` (a top-level histogram field: a check's bare `p99`, the
   * stats row, the picture) and `keyed` (a top-level rows field holding it per key; labels pick rows).
   * When both are given, `total` is the merge of the keyed ones.
   */
  histogram?: { total?: string; keyed?: string };
  /** the top-level setting that names what rows' `key` field holds (`by: 'laddr'`) */
  by?: string;
  /** names people write in checks for a top-level field: `drops` → `reasons` */
  aliases?: { readonly [name: string]: string };
}

/** A probe's output as the catalogue and every result carry it: its kind and the shape of its `data`. */
export interface OutputShape extends ShapeDeclaration {
  kind: OutputKind;
}

// ---- typed against the data -----------------------------------------------------------------------

type KeysOf<T> = T extends unknown ? keyof T & string : never;
type ValueOf<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;
type FieldMap<T> = { [K in KeysOf<T>]-?: DeclOf<ValueOf<T, K>> };
type AllNumbers<T> = [Exclude<T[keyof T], undefined>] extends [number] ? true : false;
type ObjectDecl<T> = { fields: FieldMap<T>; whole?: true } | ValueRole | (AllNumbers<T> extends true ? CategoryDecl : never);

/** what a field of type T may be declared as */
export type DeclOf<T> = [NonNullable<T>] extends [never]
  ? ValueRole
  : [NonNullable<T>] extends [Histogram]
    ? HistogramDecl
    : [NonNullable<T>] extends [number]
      ? Role | UnitFigure
      : [NonNullable<T>] extends [string | boolean | bigint]
        ? ValueRole
        : [NonNullable<T>] extends [ReadonlyArray<infer E>]
          ? [NonNullable<E>] extends [object]
            ? [NonNullable<E>] extends [ReadonlyArray<unknown>]
              ? ValueRole
              : { rows: FieldMap<NonNullable<E>>; sum?: KeysOf<NonNullable<E>>; series?: true } | EventsDeclOf<KeysOf<NonNullable<E>>>
            : ValueRole
          : [NonNullable<T>] extends [object]
            ? ObjectDecl<NonNullable<T>>
            : ValueRole;

/** an event list's declaration, naming only fields its events have */
type EventsDeclOf<K extends string> = {
  events: {
    time?: K;
    summary?: { who?: K; flow?: readonly [K, K, K, K]; what?: ReadonlyArray<K | readonly [K, K]> };
    warn?: true | { field: K; values: readonly string[] };
  };
};

/** A shape declaration checked against the data type D: every field declared, none that D lacks. */
export type ShapeOf<D> = unknown extends D
  ? ShapeDeclaration
  : {
      fields: FieldMap<D>;
      histogram?: { total?: KeysOf<D>; keyed?: KeysOf<D> };
      by?: KeysOf<D>;
      aliases?: { readonly [name: string]: KeysOf<D> };
    };

// ---- reading a declaration ------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The one structural test for a probe-sdk Histogram. */
export function isHistogram(x: unknown): x is Histogram {
  return isObj(x) && typeof x.unit === 'string' && Array.isArray(x.buckets) && typeof x.count === 'number';
}

export function isOutputShape(x: unknown): x is OutputShape {
  return isObj(x) && OUTPUT_KINDS.includes(x.kind as OutputKind) && isObj(x.fields);
}

export const isHistogramDecl = (d: Decl | undefined): d is HistogramDecl => isObj(d) && 'histogram' in d;
export const isFieldsDecl = (d: Decl | undefined): d is FieldsDecl => isObj(d) && 'fields' in d;
export const isRowsDecl = (d: Decl | undefined): d is RowsDecl => isObj(d) && 'rows' in d;
export const isEventsDecl = (d: Decl | undefined): d is EventsDecl => isObj(d) && 'events' in d;
export const isCategoryDecl = (d: Decl | undefined): d is CategoryDecl => isObj(d) && 'category' in d;

/** a leaf's role ('count' of `{ count: 'bytes' }`); undefined for histograms, objects, rows, events, categories */
export function roleOf(d: Decl | undefined): Role | undefined {
  if (typeof d === 'string') return d;
  if (!isObj(d) || isHistogramDecl(d) || isFieldsDecl(d) || isRowsDecl(d) || isEventsDecl(d) || isCategoryDecl(d)) return undefined;
  return FIGURE_ROLES.find((r) => r in d);
}

/** a figure's declared unit (`{ count: 'bytes' }` → 'bytes') */
export function unitOf(d: Decl | undefined): string | undefined {
  const r = roleOf(d);
  return r && isObj(d) ? String((d as Record<string, unknown>)[r]) : undefined;
}

export const isFigure = (d: Decl | undefined): boolean => FIGURE_ROLES.includes(roleOf(d) as FigureRole);

/** the fields of a row, in declaration order, that identify it */
export function keyFields(rows: RowsDecl): string[] {
  return Object.entries(rows.rows)
    .filter(([, d]) => d === 'key')
    .map(([k]) => k);
}

/** the (first) histogram field of a row: `hist` of `{ key, hist }` */
export function histogramField(rows: RowsDecl): string | undefined {
  return Object.entries(rows.rows).find(([, d]) => isHistogramDecl(d))?.[0];
}

/** A probe's output as the catalogue and results carry it; null when it declares no shape. */
export function outputShape(def: { output: OutputKind; shape?: ShapeDeclaration | undefined }): OutputShape | null {
  return def.shape ? { kind: def.output, ...def.shape } : null;
}

/** The histogram a result is about, as declared (`histogram.total`), or `data` itself when it is one. */
export function totalHistogram(shape: OutputShape, data: unknown): Histogram | null {
  if (isHistogram(data)) return data;
  const t = shape.histogram?.total;
  const h = t && isObj(data) ? data[t] : undefined;
  return isHistogram(h) ? h : null;
}

export interface KeyedRows {
  /** the rows' field holding the histogram */
  hist: string;
  /** the fields that identify a row, the first one naming it */
  keys: string[];
  rows: Obj[];
}

/** The keyed histograms, as declared (`histogram.keyed`): each row with its histogram. */
export function keyedHistograms(shape: OutputShape, data: unknown): KeyedRows | null {
  const k = shape.histogram?.keyed;
  const d = k ? shape.fields[k] : undefined;
  if (!k || !isRowsDecl(d) || !isObj(data) || !Array.isArray(data[k])) return null;
  const hist = histogramField(d);
  if (!hist) return null;
  const rows = (data[k] as unknown[]).filter((r): r is Obj => isObj(r) && isHistogram(r[hist]));
  return { hist, keys: keyFields(d), rows };
}

/** An event's one-line summary as its list declares it (`summary`), after the probe's name. */
export function eventSummary(probe: string, decl: EventsDecl, ev: Obj): string {
  const s = decl.events.summary ?? {};
  const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
  const parts = [probe, text(s.who !== undefined ? ev[s.who] : undefined)];
  if (s.flow) {
    const [la, lp, ra, rp] = s.flow.map((f) => text(ev[f]));
    if (la || ra) parts.push(`${la}:${lp} > ${ra}:${rp}`);
  }
  for (const w of s.what ?? []) {
    if (typeof w === 'string') {
      const v = ev[w];
      parts.push(typeof v === 'number' || typeof v === 'bigint' ? `${w}=${v}` : text(v));
    } else {
      const [a, b] = [text(ev[w[0]]), text(ev[w[1]])];
      if (a || b) parts.push(`${a}->${b}`);
    }
  }
  return parts.filter((p) => p !== '').join(' ');
}

/** Whether an event is a warning, as its list declares (`warn`). */
export function eventWarns(decl: EventsDecl, ev: Obj): boolean {
  const w = decl.events.warn;
  return w === true || (w !== undefined && w.values.includes(String(ev[w.field])));
}

/** what the rows' `key` field holds, as the declared `by` setting says ('laddr', 'pod'); null when ungrouped */
export function keyName(shape: OutputShape, data: unknown): string | null {
  const v = shape.by && isObj(data) ? data[shape.by] : undefined;
  return typeof v === 'string' && v !== 'none' ? v : null;
}

// ---- data that declares nothing -------------------------------------------------------------------

/**
 * A shape for data whose probe declares none (a result from an older agent, a probe with a bare kind):
 * from the values alone, never from names — histograms are histograms, numbers count, other values key
 * their rows (rows with one number: a check sums it); arrays of objects are events in an events result,
 * rows otherwise.
 */
export function inferShape(kind: OutputKind, samples: readonly unknown[]): OutputShape {
  const root = inferDecl(kind, samples, false);
  return { kind, fields: isFieldsDecl(root) ? root.fields : {} };
}

export function inferDecl(kind: OutputKind, values: readonly unknown[], inRow: boolean): Decl {
  const vs = values.filter((v) => v !== null && v !== undefined);
  if (vs.length > 0 && vs.every(isHistogram)) return { histogram: (vs[0] as Histogram).unit };
  if (vs.length > 0 && vs.every((v) => typeof v === 'number')) return 'count';
  if (vs.length > 0 && vs.every(Array.isArray) && (vs as unknown[][]).every((a) => a.every(isObj))) {
    if (kind === 'events') return { events: {} };
    const rows = fieldsOf(kind, (vs as Obj[][]).flat(), true);
    // rows with one figure: a check sums it over the rows its labels pick
    const figures = Object.keys(rows).filter((k) => rows[k] === 'count');
    return figures.length === 1 ? { rows, sum: figures[0]! } : { rows };
  }
  if (vs.length > 0 && vs.every(isObj)) return { fields: fieldsOf(kind, vs as Obj[], inRow) };
  return inRow ? 'key' : 'setting';
}

function fieldsOf(kind: OutputKind, objs: readonly Obj[], inRow: boolean): Record<string, Decl> {
  const out: Record<string, Decl> = {};
  const keys = [...new Set(objs.flatMap((o) => Object.keys(o)))];
  for (const k of keys) out[k] = inferDecl(kind, objs.map((o) => o[k]), inRow);
  return out;
}

// ---- checking a declaration and a sample ----------------------------------------------------------

/** What is wrong with a declaration itself (roles, references); [] when nothing. */
export function declarationProblems(shape: OutputShape): string[] {
  const out: string[] = [];
  const walk = (fields: Record<string, Decl>, path: string, inRow: boolean): void => {
    for (const [k, d] of Object.entries(fields)) {
      const p = path ? `${path}.${k}` : k;
      if (typeof d === 'string') {
        if (!['key', 'label', 'setting', ...FIGURE_ROLES].includes(d)) out.push(`${p}: unknown role '${d}'`);
        else if (d === 'key' && !inRow) out.push(`${p}: 'key' identifies rows; outside rows use 'setting'`);
      } else if (isFieldsDecl(d)) walk(d.fields, p, inRow);
      else if (isRowsDecl(d)) {
        walk(d.rows, `${p}[]`, true);
        if (d.sum !== undefined && !isFigure(d.rows[d.sum])) out.push(`${p}: sum '${d.sum}' is not a figure of its rows`);
      } else if (isEventsDecl(d)) {
        const flow = d.events.summary?.flow;
        if (flow !== undefined && flow.length !== 4) out.push(`${p}: summary.flow names local address, port, remote address and port`);
        const w = d.events.warn;
        if (w !== undefined && w !== true && (typeof w.field !== 'string' || !Array.isArray(w.values))) out.push(`${p}: warn is true or { field, values }`);
      } else if (!isHistogramDecl(d) && !isCategoryDecl(d) && !roleOf(d)) out.push(`${p}: not a declaration`);
    }
  };
  walk(shape.fields as Record<string, Decl>, '', false);
  const { total, keyed } = shape.histogram ?? {};
  if (total !== undefined && !isHistogramDecl(shape.fields[total])) out.push(`histogram.total: '${total}' is not a histogram field`);
  if (keyed !== undefined) {
    const d = shape.fields[keyed];
    if (!isRowsDecl(d) || !histogramField(d)) out.push(`histogram.keyed: '${keyed}' is not rows holding a histogram`);
  }
  if (shape.by !== undefined && shape.fields[shape.by] !== 'setting') out.push(`by: '${shape.by}' is not a setting`);
  for (const [name, to] of Object.entries(shape.aliases ?? {})) {
    if (!(to in shape.fields)) out.push(`aliases.${name}: '${to}' is not a field`);
  }
  return out;
}

/**
 * Where a sample of `data` and its declaration disagree: fields the declaration does not name, and
 * values of another kind than declared; [] when they agree. (A declared field the sample lacks is fine:
 * fields may be optional.)
 */
export function shapeProblems(shape: OutputShape, data: unknown): string[] {
  const out: string[] = [];
  const check = (d: Decl, v: unknown, p: string): void => {
    if (v === null || v === undefined) return;
    if (isHistogramDecl(d)) {
      if (!isHistogram(v)) out.push(`${p}: declared a histogram`);
    } else if (isFieldsDecl(d)) {
      if (!isObj(v)) out.push(`${p}: declared an object`);
      else fields(d.fields, v, p);
    } else if (isRowsDecl(d) || isEventsDecl(d)) {
      if (!Array.isArray(v)) out.push(`${p}: declared ${isRowsDecl(d) ? 'rows' : 'events'}`);
      else if (isRowsDecl(d)) v.forEach((r, i) => (isObj(r) ? fields(d.rows, r, `${p}[${i}]`) : out.push(`${p}[${i}]: not a row`)));
    } else if (isCategoryDecl(d)) {
      if (!isObj(v) || !Object.values(v).every((n) => typeof n === 'number')) out.push(`${p}: declared counts by ${d.category}`);
    } else if (isFigure(d) && typeof v !== 'number') out.push(`${p}: declared a number (${roleOf(d)})`);
    else if (isHistogram(v)) out.push(`${p}: a histogram, declared '${roleOf(d)}'`);
  };
  const fields = (decl: Record<string, Decl>, o: Obj, p: string): void => {
    for (const [k, v] of Object.entries(o)) {
      const d = decl[k];
      const q = p ? `${p}.${k}` : k;
      if (d === undefined) out.push(`${q}: not declared`);
      else check(d, v, q);
    }
  };
  if (isObj(data)) fields(shape.fields as Record<string, Decl>, data, '');
  else if (data !== null && data !== undefined && !isHistogram(data)) out.push('data: not an object');
  return out;
}
