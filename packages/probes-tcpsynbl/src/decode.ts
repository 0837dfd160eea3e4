/**
 * What bpf/tcpsynbl.bpf.c's `backlogs` map means (`struct synbl_key` -> `struct synbl_val`, bpf/tcpsynbl.h).
 * Layouts: layout.gen.ts.
 */
import { checkMapSizes, log2Histogram, mapEntries, subtractSlots, type Histogram, type ListenerSocket, type MapDump, type Owner } from '@sonde/probe-sdk';
import { synbl_key, synbl_val } from './layout.gen.js';

/** the log2 slots of a synbl_val */
export const MAX_SLOTS = synbl_val.fields.find(([name]) => name === 'slots')![3]!;

export interface RawBacklog {
  maxBacklog: number;
  lport: number;
  /** the listener's cgroup v2 id, decimal */
  cgroup: string;
  slots: number[];
  count: number;
  sum: number;
  max: number;
  overflows: number;
}

export function decodeBacklogs(dump: MapDump): RawBacklog[] {
  checkMapSizes('tcpsynbl', 'backlogs', dump, synbl_key.size, synbl_val.size);
  const out: RawBacklog[] = [];
  for (const { key, value } of mapEntries(dump)) {
    const k = synbl_key.decode(key);
    const v = synbl_val.decode(value);
    out.push({ maxBacklog: k.max_backlog, lport: k.lport, cgroup: k.cgroup.toString(), slots: v.slots, count: v.count, sum: v.sum, max: v.max, overflows: v.overflows });
  }
  return out;
}

export interface ListenerBacklog {
  /** the listener's accept-queue limit: listen()'s backlog capped by net.core.somaxconn */
  maxBacklog: number;
  lport: number;
  /** the listener's cgroup v2 id (decimal; '0': none kept): the control plane attaches its `owner` */
  cgroup: string;
  owner?: Owner;
  /** queue length when each connection was added (log2; unit "backlog") */
  hist: Histogram;
  /** the longest queue seen (null without samples, or in an interval where it did not grow) */
  max: number | null;
  overflows: number;
}

const id = (r: Pick<RawBacklog, 'maxBacklog' | 'lport' | 'cgroup'>) => `${r.maxBacklog}/${r.lport}/${r.cgroup}`;

function toListener(r: RawBacklog, slots: number[], sum: number, max: number | null, overflows: number): ListenerBacklog {
  const count = slots.reduce((a, b) => a + b, 0);
  return {
    maxBacklog: r.maxBacklog,
    lport: r.lport,
    cgroup: r.cgroup,
    hist: log2Histogram(slots, { unit: 'backlog', sum, min: null, max: count > 0 ? max : null }),
    max: count > 0 ? max : null,
    overflows,
  };
}

const order = (a: ListenerBacklog, b: ListenerBacklog) => a.maxBacklog - b.maxBacklog || a.lport - b.lport || a.cgroup.localeCompare(b.cgroup);

export function toListeners(raw: readonly RawBacklog[]): ListenerBacklog[] {
  return raw.map((r) => toListener(r, r.slots, r.sum, r.max, r.overflows)).sort(order);
}

/** what each listener added since `before` (a previous snapshot), without listeners that did nothing */
export function deltaListeners(now: readonly RawBacklog[], before: readonly RawBacklog[]): ListenerBacklog[] {
  const prev = new Map(before.map((r) => [id(r), r]));
  return now
    .map((r) => {
      const b = prev.get(id(r));
      const slots = subtractSlots(r.slots, b?.slots);
      return toListener(r, slots, r.sum - (b?.sum ?? 0), !b || r.max > b.max ? r.max : null, r.overflows - (b?.overflows ?? 0));
    })
    .filter((l) => l.hist.count > 0 || l.overflows > 0)
    .sort(order);
}

/** upstream's grouping: one histogram per accept-queue limit, all listeners with that limit merged */
export function byMaxBacklog(ls: readonly ListenerBacklog[]): Array<{ maxBacklog: number; hist: Histogram; max: number | null; overflows: number }> {
  const groups = new Map<number, ListenerBacklog[]>();
  for (const l of ls) groups.set(l.maxBacklog, [...(groups.get(l.maxBacklog) ?? []), l]);
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([maxBacklog, g]) => {
      const slots = new Array<number>(MAX_SLOTS).fill(0);
      for (const l of g) l.hist.buckets.forEach((b, i) => (slots[i]! += b.count));
      const maxes = g.map((l) => l.max).filter((m): m is number => m !== null);
      const max = maxes.length > 0 ? Math.max(...maxes) : null;
      const count = slots.reduce((a, b) => a + b, 0);
      return {
        maxBacklog,
        hist: log2Histogram(slots, { unit: 'backlog', sum: g.reduce((s, l) => s + l.hist.sum, 0), min: null, max: count > 0 ? max : null }),
        max,
        overflows: g.reduce((s, l) => s + l.overflows, 0),
      };
    });
}

/**
 * The SYN overflows counted per listening socket (from its drop counter, where no hook sees them) added
 * to the (limit, port, owner) rows of the backlogs map, which already hold the completed handshakes.
 */
export function addSynOverflows(raw: readonly RawBacklog[], sockets: readonly ListenerSocket[]): RawBacklog[] {
  const rows = new Map(raw.map((r) => [id(r), { ...r }]));
  for (const s of sockets) {
    if (s.synOverflows === 0) continue;
    const k = id(s);
    const row = rows.get(k) ?? { maxBacklog: s.maxBacklog, lport: s.lport, cgroup: s.cgroup, slots: new Array<number>(MAX_SLOTS).fill(0), count: 0, sum: 0, max: 0, overflows: 0 };
    row.overflows += s.synOverflows;
    rows.set(k, row);
  }
  return [...rows.values()];
}
