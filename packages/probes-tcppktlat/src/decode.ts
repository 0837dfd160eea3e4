/**
 * What bpf/tcppktlat.bpf.c's records mean (structs in bpf/tcppktlat.h; layouts: layout.gen.ts):
 *
 *   events  struct pktlat_event { struct sk_event_head h; __u64 delta_ns; }
 *   hist    __u32 0 -> struct pktlat_hist { __u64 slots[27]; __u64 sum, cnt; __s64 min_inv; __u64 max; }
 */
import { checkMapSizes, log2Histogram, sideSize, skEventHead, type Histogram, type MapDump, type SkEventHead } from '@sonde/probe-sdk';
import { maps, pktlat_event, pktlat_hist } from './layout.gen.js';

export interface PktlatEvent extends SkEventHead {
  /** arrival of the oldest unread segment -> the read, in µs (ns precision) */
  latencyUs: number;
}

export function decodeEvent(b: Buffer): PktlatEvent | null {
  if (b.length < pktlat_event.size) return null;
  const e = pktlat_event.decode(b);
  return { ...skEventHead(e.h), latencyUs: e.delta_ns / 1000 };
}

export function decodeHist(dump: MapDump): Histogram {
  checkMapSizes('tcppktlat', 'hist', dump, sideSize(maps.hist.key), pktlat_hist.size);
  const h = pktlat_hist.decode(dump.count > 0 ? dump.values : Buffer.alloc(pktlat_hist.size));
  return log2Histogram(h.slots, {
    unit: 'usecs',
    sum: h.sum,
    // min is kept inverted (~min, 0 = no sample yet); as a signed 64-bit number that is -(min + 1)
    min: h.cnt > 0 ? -h.min_inv - 1 : null,
    max: h.cnt > 0 ? h.max : null,
  });
}
