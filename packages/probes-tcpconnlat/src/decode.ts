/**
 * Decoding of bpf/tcpconnlat.h: `struct tcpconnlat_event` (ring buffer records) and the two
 * `struct tcpconnlat_hist` entries of the `hists` map (established, failed; per cgroup when grouped by owner).
 */
import {
  connectOutcome,
  decodeSkEventHead,
  emptyHistogram,
  errnoName,
  log2Histogram,
  mapEntries,
  mergeHistograms,
  SK_EVENT_HEAD_SIZE,
  type ConnectOutcome,
  type Histogram,
  type MapDump,
  type SkEventHead,
} from '@sonde/probe-sdk';

export const EVENT_SIZE = 112;
export const MAX_SLOTS = 27;
export const HIST_SIZE = 8 * (MAX_SLOTS + 4);

export interface TcpconnlatEvent extends SkEventHead {
  /** SYN sent to the end of the handshake, µs (ns precision) */
  latUs: number;
  /** 'established', or how it failed: 'refused' (RST), 'timeout', 'unreachable', 'aborted', 'error' */
  outcome: ConnectOutcome;
  /** errno name when it failed ('ECONNREFUSED', ...), else '' */
  error: string;
}

export function decodeEvent(b: Buffer): TcpconnlatEvent {
  if (b.length < EVENT_SIZE) throw new RangeError(`tcpconnlat event is ${EVENT_SIZE} bytes, got ${b.length}`);
  const h = decodeSkEventHead(b);
  const o = SK_EVENT_HEAD_SIZE;
  const latNs = b.readBigUInt64LE(o);
  const err = b.readInt32LE(o + 8);
  const outcome = connectOutcome(b.readUInt8(o + 12), err);
  return { ...h, latUs: Number(latNs) / 1000, outcome, error: outcome === 'established' ? '' : errnoName(err) };
}

/** one struct tcpconnlat_hist → an SDK histogram in usecs */
export function decodeHist(v: Buffer): Histogram {
  if (v.length !== HIST_SIZE) throw new RangeError(`tcpconnlat hist is ${HIST_SIZE} bytes, got ${v.length}`);
  const slots: bigint[] = [];
  for (let i = 0; i < MAX_SLOTS; i++) slots.push(v.readBigUInt64LE(8 * i));
  const sum = v.readBigUInt64LE(8 * MAX_SLOTS);
  const cnt = v.readBigUInt64LE(8 * (MAX_SLOTS + 1));
  const min1 = v.readBigUInt64LE(8 * (MAX_SLOTS + 2));
  const max = v.readBigUInt64LE(8 * (MAX_SLOTS + 3));
  if (cnt === 0n) return emptyHistogram('usecs');
  return log2Histogram(slots, { unit: 'usecs', sum, min: min1 > 0n ? min1 - 1n : null, max });
}

/** per socket cgroup (one, '0', unless grouping by owner): handshakes established and failed */
export interface CgroupHists {
  cgroup: string;
  established: Histogram;
  failed: Histogram;
}

/**
 * The `hists` map (struct tcpconnlat_hist_key { __u32 idx, pad; __u64 cgroup } → hist): the totals
 * over every cgroup, and per cgroup.
 */
export function decodeHists(d: MapDump): { established: Histogram; failed: Histogram; byCgroup: CgroupHists[] } {
  const by = new Map<string, CgroupHists>();
  for (const { key, value } of mapEntries(d)) {
    const cgroup = key.readBigUInt64LE(8).toString();
    let c = by.get(cgroup);
    if (!c) by.set(cgroup, (c = { cgroup, established: emptyHistogram('usecs'), failed: emptyHistogram('usecs') }));
    if (key.readUInt32LE(0) === 0) c.established = decodeHist(value);
    else c.failed = decodeHist(value);
  }
  const all = [...by.values()];
  const merged = (pick: (c: CgroupHists) => Histogram) => (all.length === 0 ? emptyHistogram('usecs') : all.length === 1 ? pick(all[0]!) : mergeHistograms(all.map(pick)));
  return { established: merged((c) => c.established), failed: merged((c) => c.failed), byCgroup: all };
}
