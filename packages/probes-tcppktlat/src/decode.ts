/**
 * Decoding for bpf/tcppktlat.bpf.c (layouts in bpf/tcppktlat.h):
 *
 *   struct pktlat_event { struct sk_event_head h; __u64 delta_ns; }                  104 bytes
 *   struct pktlat_hist { __u64 slots[27]; __u64 sum, cnt, min_inv, max; }            248 bytes
 */
import {
  checkMapSizes,
  decodeSkEventHead,
  log2Histogram,
  readU64,
  readU64Array,
  SK_EVENT_HEAD_SIZE,
  type Histogram,
  type MapDump,
  type SkEventHead,
} from '@sonde/probe-sdk';

export const EVENT_SIZE = SK_EVENT_HEAD_SIZE + 8;
export const MAX_SLOTS = 27;
export const HIST_SIZE = 8 * (MAX_SLOTS + 4);

export interface PktlatEvent extends SkEventHead {
  /** arrival of the oldest unread segment -> the read, in µs (ns precision) */
  latencyUs: number;
}

export function decodeEvent(b: Buffer): PktlatEvent | null {
  if (b.length < EVENT_SIZE) return null;
  const delta = b.readBigUInt64LE(SK_EVENT_HEAD_SIZE);
  return { ...decodeSkEventHead(b), latencyUs: Number(delta) / 1000 };
}

export function decodeHist(dump: MapDump): Histogram {
  checkMapSizes('tcppktlat', 'hist', dump, 4, HIST_SIZE);
  const v = dump.count > 0 ? dump.values.subarray(0, HIST_SIZE) : Buffer.alloc(HIST_SIZE);
  const cnt = readU64(v, 8 * (MAX_SLOTS + 1));
  const minInv = readU64(v, 8 * (MAX_SLOTS + 2));
  return log2Histogram(readU64Array(v, 0, MAX_SLOTS), {
    unit: 'usecs',
    sum: readU64(v, 8 * MAX_SLOTS),
    min: cnt > 0n ? ~minInv & (2n ** 64n - 1n) : null,
    max: cnt > 0n ? readU64(v, 8 * (MAX_SLOTS + 3)) : null,
  });
}
