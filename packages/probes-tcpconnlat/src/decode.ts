/**
 * What bpf/tcpconnlat.h's records mean: `struct tcpconnlat_event` (ring buffer records) and the two
 * `struct tcpconnlat_hist` entries of the `hists` map (established, failed; per cgroup when grouped by owner).
 * Layouts: layout.gen.ts.
 */
import { checkMapSizes, connectOutcome, emptyHistogram, errnoName, log2Histogram, mapEntries, mergeHistograms, skEventHead, type ConnectOutcome, type Histogram, type MapDump, type SkEventHead } from '@sonde/probe-sdk';
import { tcpconnlat_event, tcpconnlat_hist, tcpconnlat_hist_key } from './layout.gen.js';

export interface TcpconnlatEvent extends SkEventHead {
  /** SYN sent to the end of the handshake, µs (ns precision) */
  latUs: number;
  /** 'established', or how it failed: 'refused' (RST), 'timeout', 'unreachable', 'aborted', 'error' */
  outcome: ConnectOutcome;
  /** errno name when it failed ('ECONNREFUSED', ...), else '' */
  error: string;
}

export function decodeEvent(b: Buffer): TcpconnlatEvent {
  const e = tcpconnlat_event.decode(b);
  const outcome = connectOutcome(e.state, e.err);
  return { ...skEventHead(e.h), latUs: e.lat_ns / 1000, outcome, error: outcome === 'established' ? '' : errnoName(e.err) };
}

/** one struct tcpconnlat_hist → an SDK histogram in usecs */
export function decodeHist(value: Buffer): Histogram {
  if (value.length !== tcpconnlat_hist.size) throw new RangeError(`tcpconnlat hist is ${tcpconnlat_hist.size} bytes, got ${value.length}`);
  const v = tcpconnlat_hist.decode(value);
  if (v.cnt === 0) return emptyHistogram('usecs');
  return log2Histogram(v.slots, { unit: 'usecs', sum: v.sum, min: v.min1 > 0 ? v.min1 - 1 : null, max: v.max });
}

/** per socket cgroup (one, '0', unless grouping by owner): handshakes established and failed */
export interface CgroupHists {
  cgroup: string;
  established: Histogram;
  failed: Histogram;
}

/** The `hists` map (struct tcpconnlat_hist_key: idx, cgroup → hist): the totals over every cgroup, and per cgroup. */
export function decodeHists(d: MapDump): { established: Histogram; failed: Histogram; byCgroup: CgroupHists[] } {
  checkMapSizes('tcpconnlat', 'hists', d, tcpconnlat_hist_key.size, tcpconnlat_hist.size);
  const by = new Map<string, CgroupHists>();
  for (const { key, value } of mapEntries(d)) {
    const k = tcpconnlat_hist_key.decode(key);
    const cgroup = k.cgroup.toString();
    let c = by.get(cgroup);
    if (!c) by.set(cgroup, (c = { cgroup, established: emptyHistogram('usecs'), failed: emptyHistogram('usecs') }));
    if (k.idx === 0) c.established = decodeHist(value);
    else c.failed = decodeHist(value);
  }
  const all = [...by.values()];
  const merged = (pick: (c: CgroupHists) => Histogram) => (all.length === 0 ? emptyHistogram('usecs') : all.length === 1 ? pick(all[0]!) : mergeHistograms(all.map(pick)));
  return { established: merged((c) => c.established), failed: merged((c) => c.failed), byCgroup: all };
}
