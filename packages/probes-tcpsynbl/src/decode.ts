/**
 * Decoding of bpf/tcpsynbl.bpf.c's `backlogs` map (layouts in bpf/tcpsynbl.h):
 *
 *   struct synbl_key { __u32 max_backlog; __u16 lport; __u16 pad; __u64 cgroup; }    16 bytes
 *   struct synbl_val { __u64 slots[32]; __u64 count, sum, max, overflows; }         288 bytes
 */
import {
  checkMapSizes,
  log2Histogram,
  mapEntries,
  readU16,
  readU32,
  readU64Array,
  readU64Num,
  subtractSlots,
  type Histogram,
  type ListenerSocket,
  type MapDump,
  type Owner,
} from '@sonde/probe-sdk';

export const MAX_SLOTS = 32;
export const KEY_SIZE = 16;
export const VALUE_SIZE = 8 * (MAX_SLOTS + 4);

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
  checkMapSizes('tcpsynbl', 'backlogs', dump, KEY_SIZE, VALUE_SIZE);
  const out: RawBacklog[] = [];
  for (const { key: k, value: v } of mapEntries(dump)) {
    out.push({
      maxBacklog: readU32(k, 0),
      lport: readU16(k, 4),
      cgroup: k.readBigUInt64LE(8).toString(),
      slots: readU64Array(v, 0, MAX_SLOTS).map(Number),
      count: readU64Num(v, 8 * MAX_SLOTS),
      sum: readU64Num(v, 8 * (MAX_SLOTS + 1)),
      max: readU64Num(v, 8 * (MAX_SLOTS + 2)),
      overflows: readU64Num(v, 8 * (MAX_SLOTS + 3)),
    });
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
