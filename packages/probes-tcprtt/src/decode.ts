/**
 * Decoding of the `hists` map of bpf/tcprtt.bpf.c (struct hist_key -> struct hist, bpf/tcprtt.h; layouts:
 * layout.gen.ts) into histograms.
 */
import { afToFamily, checkMapSizes, formatAddr, log2Histogram, mapEntries, subtractSlots, type Histogram, type IpFamily, type MapDump, type Owner } from '@sonde/probe-sdk';
import { hist, hist_key, maps } from './layout.gen.js';

/** TCPRTT_MAX_ENTRIES: keys the kernel map holds; beyond it new addresses are not counted */
export const MAX_ENTRIES = maps.hists.maxEntries;
/** a min of ~0 (no sample yet), decoded as the number a u64 field decodes to */
const NO_MIN = Number(2n ** 64n - 1n);

/** One map entry, still in kernel units and integers. */
export interface RawHist {
  /** null when not grouped by address */
  family: IpFamily | null;
  addr: Uint8Array;
  /** the socket's cgroup v2 id when grouped by pod or container, else '0' */
  cgroup: string;
  slots: bigint[];
  sum: bigint;
  count: bigint;
  /** null before the first sample */
  min: bigint | null;
  max: bigint | null;
}

export interface KeyedHistogram {
  /**
   * the local or remote address; by pod or container, the owner's key ("shop/web-0",
   * "shop/web-0/web"; a cgroup path outside any pod); null when not grouped
   */
  key: string | null;
  family?: IpFamily;
  /** by pod or container: the cgroup v2 id standing for the group (the pod's own cgroup) */
  cgroup?: string;
  /** by pod or container: who the key is (attached by the control plane from `cgroup`) */
  owner?: Owner;
  hist: Histogram;
}

export function decodeHists(dump: MapDump): RawHist[] {
  checkMapSizes('tcprtt', 'hists', dump, hist_key.size, hist.size);
  const out: RawHist[] = [];
  for (const { key, value } of mapEntries(dump)) {
    const k = hist_key.decode(key);
    const v = hist.decode(value);
    const count = BigInt(v.cnt);
    out.push({
      family: afToFamily(k.family),
      addr: Uint8Array.from(k.addr),
      cgroup: k.cgroup.toString(),
      slots: v.slots.map(BigInt),
      sum: BigInt(v.latency),
      count,
      min: count === 0n || v.min === NO_MIN ? null : BigInt(v.min),
      max: count === 0n ? null : BigInt(v.max),
    });
  }
  return out;
}

/** identity of an entry across snapshots */
export function entryId(r: RawHist): string {
  if (r.cgroup !== '0') return `cgroup/${r.cgroup}`;
  return r.family === null ? '*' : `${r.family}/${Buffer.from(r.addr).toString('hex')}`;
}

export function keyOf(r: RawHist): Pick<KeyedHistogram, 'key' | 'family' | 'cgroup'> {
  if (r.cgroup !== '0') return { key: r.cgroup, cgroup: r.cgroup };
  return r.family === null ? { key: null } : { key: formatAddr(r.family, r.addr), family: r.family };
}

/** Histograms of a snapshot, busiest first (then by address), without empty entries. */
export function toKeyed(raw: readonly RawHist[], unit: string): KeyedHistogram[] {
  return sortKeyed(
    raw.map((r) => ({ ...keyOf(r), hist: log2Histogram(r.slots, { unit, sum: r.sum, min: r.min, max: r.max }) })),
  );
}

/**
 * What happened between two snapshots of the cumulative map. Counts and sums are exact; min
 * (max) is known only when it moved in the interval, because the kernel keeps the job's
 * extremes: then it is that interval's value, otherwise null.
 */
export function deltaKeyed(now: readonly RawHist[], before: ReadonlyMap<string, RawHist>, unit: string): KeyedHistogram[] {
  return sortKeyed(
    now.map((r) => {
      const b = before.get(entryId(r));
      const sum = b && r.sum >= b.sum ? r.sum - b.sum : r.sum;
      const min = !b || b.min === null ? r.min : r.min !== null && r.min < b.min ? r.min : null;
      const max = !b || b.max === null ? r.max : r.max !== null && r.max > b.max ? r.max : null;
      return { ...keyOf(r), hist: log2Histogram(subtractSlots(r.slots, b?.slots), { unit, sum, min, max }) };
    }),
  );
}

export function indexById(raw: readonly RawHist[]): Map<string, RawHist> {
  return new Map(raw.map((r) => [entryId(r), r]));
}

function sortKeyed(hs: KeyedHistogram[]): KeyedHistogram[] {
  return hs
    .filter((h) => h.hist.count > 0)
    .sort((a, b) => b.hist.count - a.hist.count || (a.key ?? '').localeCompare(b.key ?? ''));
}
