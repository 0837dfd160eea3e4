/**
 * One result from many nodes. The merge is general over the shapes probes return, so a new probe
 * needs no fleet code:
 *
 * - histogram-like objects (`unit`, `buckets[]`, `count`) merge bucket-wise with percentiles
 *   recomputed (probe-sdk mergeHistograms);
 * - events (`kind: "events"`): arrays of events (named `events`, or rows with a time field) are
 *   concatenated, each row tagged with `node`, in wall-clock order; an events probe's count-mode rows
 *   merge like a report's;
 * - arrays of rows (reports, per-key histograms): rows are keyed by their non-numeric fields (strings,
 *   booleans, null, nested non-mergeable values); rows with the same key merge field by field;
 * - numbers add up, except `min`/`max` (min/max of the nodes) and numbers named like a setting
 *   (`*Ms` intervals, `limit`, `top`, ports, pids, uids, netns, ids...) which are equal on every node and kept;
 * - anything else (strings, settings) is taken from the first node that has it.
 */
import { mergeHistograms, type Histogram } from '@sonde/probe-sdk';

export type OutputKind = 'histogram' | 'events' | 'report';

export interface NodeData {
  node: string;
  data: unknown;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isHistogramLike(v: unknown): v is Histogram {
  return isObj(v) && typeof v.unit === 'string' && Array.isArray(v.buckets) && typeof v.count === 'number';
}

/** numbers that describe the job rather than count something: equal on every node, not summed */
const SETTING = /(^|[a-z])(Ms|Us|Ns|Sec|Secs)$|^(limit|top|interval|version|family|af|proto|protocol|state|oldstate|newstate|netns|cpu|ifindex|key|index)$|(^|[a-z])(port|Port|pid|Pid|tid|Tid|uid|Uid|gid|Gid|id|Id)$/;

/** a value that merges (sums or histogram-merges) rather than identifies a row */
function mergeable(k: string, v: unknown): boolean {
  if (typeof v === 'number') return !SETTING.test(k);
  if (isHistogramLike(v)) return true;
  return false;
}

function rowKey(row: Obj): string {
  const key: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (!mergeable(k, v) && !(Array.isArray(v) && v.some(isObj)) && !(isObj(v) && hasMergeable(v))) key[k] = v;
  }
  return JSON.stringify(key, Object.keys(key).sort());
}

function hasMergeable(o: Obj): boolean {
  return Object.entries(o).some(([k, v]) => mergeable(k, v) || (isObj(v) && hasMergeable(v)));
}

/** Merge the `data` of one kind from many nodes. Nodes with `data` null/undefined are skipped. */
export function mergeData(kind: OutputKind, parts: readonly NodeData[]): unknown {
  const present = parts.filter((p) => p.data !== null && p.data !== undefined);
  if (present.length === 0) return null;
  return mergeValues(
    kind,
    'data',
    present.map((p) => p.data),
    present.map((p) => p.node),
  );
}

function mergeValues(kind: OutputKind, key: string, vs: unknown[], nodes: string[]): unknown {
  const first = vs[0];
  if (vs.length === 0) return undefined;
  if (vs.length === 1 && kind !== 'events') return first;
  if (vs.every(isHistogramLike)) return mergeHistograms(vs as Histogram[]);
  if (vs.every((v) => typeof v === 'number')) {
    const ns = vs as number[];
    if (!mergeable(key, first)) return first;
    if (/^min/i.test(key)) return Math.min(...ns);
    if (/^max/i.test(key)) return Math.max(...ns);
    return ns.reduce((a, b) => a + b, 0);
  }
  if (vs.every(Array.isArray)) return mergeArrays(kind, key, vs as unknown[][], nodes);
  if (vs.every(isObj)) {
    const out: Obj = {};
    const keys = [...new Set(vs.flatMap((v) => Object.keys(v as Obj)))];
    for (const k of keys) {
      const idx = vs.map((v, i) => ((v as Obj)[k] === undefined ? -1 : i)).filter((i) => i >= 0);
      out[k] = mergeValues(
        kind,
        k,
        idx.map((i) => (vs[i] as Obj)[k]),
        idx.map((i) => nodes[i]!),
      );
    }
    return out;
  }
  // mixed or scalar non-numbers (strings, null): the first node's
  return vs.find((v) => v !== null && v !== undefined) ?? first;
}

function mergeArrays(kind: OutputKind, key: string, arrays: unknown[][], nodes: string[]): unknown[] {
  const objects = arrays.every((a) => a.every(isObj));
  if (!objects) return arrays.find((a) => a.length > 0) ?? arrays[0] ?? [];
  const TIME = ['time', 'timestamp', 'at', 'ts', 'tsNs'];
  const eventRows = key === 'events' || arrays.every((a) => a.every((r) => TIME.some((t) => (r as Obj)[t] !== undefined)));
  if (kind === 'events' && eventRows) {
    const rows: Obj[] = arrays.flatMap((a, i) => a.map((r) => ({ ...(r as Obj), node: nodes[i] })));
    // one timeline: order by the events' wall-clock time when every row has one (monotonic clocks
    // such as tsNs are per machine, so they only order events of one node)
    const ts = ['time', 'timestamp', 'at', 'ts'].find((t) => rows.every((r) => typeof r[t] === 'number' || typeof r[t] === 'string'));
    if (ts) {
      const k = (r: Obj) => String(r[ts]).padStart(32, '0');
      rows.sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
    }
    return rows;
  }
  const groups = new Map<string, { rows: Obj[]; nodes: string[] }>();
  arrays.forEach((a, i) => {
    for (const r of a as Obj[]) {
      const k = rowKey(r);
      const g = groups.get(k) ?? { rows: [], nodes: [] };
      g.rows.push(r);
      g.nodes.push(nodes[i]!);
      groups.set(k, g);
    }
  });
  return [...groups.values()].map((g) => mergeValues(kind, key, g.rows, g.nodes));
}
