/**
 * One result from many nodes, as the probe's output declaration (probe-sdk output.ts, carried by every
 * result as `shape`) says, so a new probe needs no fleet code:
 *
 * - histograms merge bucket-wise with percentiles recomputed (probe-sdk mergeHistograms);
 * - event lists are concatenated, each event tagged with its `node`, in the order of their declared
 *   wall-clock `time` (monotonic clocks are per machine);
 * - rows with equal `key` fields merge field by field; their other fields as declared;
 * - figures: `count` and `level` add up, `max` / `min` take the largest / smallest node's; counts by a
 *   category add up per category;
 * - `key`, `label` and `setting` values are the first node's that has one.
 *
 * Data whose probe declares nothing (an older agent's result) is read with probe-sdk's inferShape: from
 * the values alone, never from names.
 */
import {
  inferDecl,
  inferShape,
  isCategoryDecl,
  isEventsDecl,
  isFieldsDecl,
  isHistogram,
  isHistogramDecl,
  isRowsDecl,
  keyFields,
  mergeHistograms,
  roleOf,
  type Decl,
  type EventsDecl,
  type Histogram,
  type OutputKind,
  type OutputShape,
  type RowsDecl,
} from '@sonde/probe-sdk';

export interface NodeData {
  node: string;
  data: unknown;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Merge the `data` of one probe from many nodes, as `shape` declares it (a bare kind: inferred from the
 * values). Nodes with `data` null/undefined are skipped.
 */
export function mergeData(shape: OutputShape | OutputKind, parts: readonly NodeData[]): unknown {
  const present = parts.filter((p) => p.data !== null && p.data !== undefined);
  if (present.length === 0) return null;
  const values = present.map((p) => p.data);
  const s = typeof shape === 'string' ? inferShape(shape, values) : shape;
  const m = new Merge(s.kind);
  return m.value(
    isHistogram(values[0]) ? { histogram: (values[0] as Histogram).unit } : { fields: s.fields },
    values,
    present.map((p) => p.node),
  );
}

class Merge {
  constructor(private readonly kind: OutputKind) {}

  value(decl: Decl, vs: unknown[], nodes: string[]): unknown {
    if (vs.length === 1 && this.kind !== 'events') return vs[0];
    if (isEventsDecl(decl)) return this.events(decl, vs, nodes);
    if (vs.length === 1 && !isFieldsDecl(decl) && !isRowsDecl(decl)) return vs[0];
    if (isHistogramDecl(decl)) return vs.every(isHistogram) ? mergeHistograms(vs as Histogram[]) : first(vs);
    if (isRowsDecl(decl)) return vs.every(Array.isArray) ? this.rows(decl, vs as unknown[][], nodes) : first(vs);
    if (isFieldsDecl(decl)) return vs.every(isObj) ? this.fields(decl.fields, vs as Obj[], nodes) : first(vs);
    if (isCategoryDecl(decl)) return vs.every(isObj) ? sumByKey(vs as Obj[]) : first(vs);
    const ns = vs.filter((v): v is number => typeof v === 'number');
    switch (roleOf(decl)) {
      case 'count':
      case 'level':
        return ns.length ? ns.reduce((a, b) => a + b, 0) : first(vs);
      case 'max':
        return ns.length ? Math.max(...ns) : first(vs);
      case 'min':
        return ns.length ? Math.min(...ns) : first(vs);
      default:
        return first(vs);
    }
  }

  private fields(decls: Readonly<Record<string, Decl>>, vs: Obj[], nodes: string[]): Obj {
    const out: Obj = {};
    for (const k of [...new Set(vs.flatMap((v) => Object.keys(v)))]) {
      const idx = vs.map((v, i) => (v[k] === undefined ? -1 : i)).filter((i) => i >= 0);
      const those = idx.map((i) => vs[i]![k]);
      // a field the declaration does not name (added by a newer agent): read from its values
      const decl = decls[k] ?? inferDecl(this.kind, those, false);
      out[k] = this.value(
        decl,
        those,
        idx.map((i) => nodes[i]!),
      );
    }
    return out;
  }

  private rows(decl: RowsDecl, arrays: unknown[][], nodes: string[]): unknown[] {
    const keys = keyFields(decl);
    const groups = new Map<string, { rows: Obj[]; nodes: string[] }>();
    arrays.forEach((a, i) => {
      for (const r of a) {
        if (!isObj(r)) continue;
        const k = JSON.stringify(keys.map((f) => r[f] ?? null));
        const g = groups.get(k) ?? { rows: [], nodes: [] };
        g.rows.push(r);
        g.nodes.push(nodes[i]!);
        groups.set(k, g);
      }
    });
    return [...groups.values()].map((g) => (g.rows.length === 1 ? g.rows[0] : this.fields(decl.rows, g.rows, g.nodes)));
  }

  /** one timeline: by the declared wall-clock field when every event has one */
  private events(decl: EventsDecl, vs: unknown[], nodes: string[]): unknown {
    if (!vs.every(Array.isArray)) return first(vs);
    const rows: Obj[] = (vs as unknown[][]).flatMap((a, i) => a.filter(isObj).map((r) => ({ ...r, node: nodes[i] })));
    const t = decl.events.time;
    if (t && rows.every((r) => typeof r[t] === 'string' || typeof r[t] === 'number')) {
      const k = (r: Obj) => String(r[t]).padStart(32, '0');
      rows.sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
    }
    return rows;
  }
}

function first(vs: unknown[]): unknown {
  return vs.find((v) => v !== null && v !== undefined) ?? vs[0];
}

function sumByKey(vs: Obj[]): Obj {
  const out: Obj = {};
  for (const v of vs) {
    for (const [k, n] of Object.entries(v)) out[k] = typeof n === 'number' ? ((out[k] as number | undefined) ?? 0) + n : (out[k] ?? n);
  }
  return out;
}
