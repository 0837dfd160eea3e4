/**
 * Decoding of bpf/tcpconnect.h: `struct tcpconnect_event` (ring buffer records) and the count-mode
 * map (`struct tcpconnect_key` -> `struct tcpconnect_count`).
 */
import {
  afToFamily,
  connectOutcome,
  decodeSkEventHead,
  errnoName,
  formatAddr,
  mapEntries,
  SK_EVENT_HEAD_SIZE,
  type ConnectOutcome,
  type MapDump,
  type SkEventHead,
} from '@sonde/probe-sdk';

export const EVENT_SIZE = 120;
export const KEY_SIZE = 36;
export const VALUE_SIZE = 16;
export const MAX_COUNTS = 10240;

export interface TcpconnectEvent extends SkEventHead {
  /** how the connect ended */
  outcome: ConnectOutcome;
  /** errno name of the failure ('ECONNREFUSED', ...), '' when it succeeded */
  error: string;
  /** connect(2)'s return value (0 or -errno; before-syn: tcp_v4/v6_connect's); null when the event came from the state change */
  ret: number | null;
  /** SYN sent to the end of the handshake, µs (3 decimals); null when it had not ended */
  latUs: number | null;
  /**
   * where it was seen to end: the connect(2) call returning, the handshake's state change (non-blocking,
   * fast open), or tcp_v4_connect/tcp_v6_connect failing before any SYN (fexit; no state change shows those)
   */
  via: 'connect' | 'state' | 'before-syn';
}

export function decodeEvent(b: Buffer): TcpconnectEvent {
  if (b.length < EVENT_SIZE) throw new RangeError(`tcpconnect event is ${EVENT_SIZE} bytes, got ${b.length}`);
  const h = decodeSkEventHead(b);
  const o = SK_EVENT_HEAD_SIZE;
  const latNs = b.readBigUInt64LE(o);
  const ret = b.readInt32LE(o + 8);
  const err = b.readInt32LE(o + 12);
  const state = b.readUInt8(o + 16);
  const v = b.readUInt8(o + 17);
  const via = v === 0 ? 'connect' : v === 2 ? 'before-syn' : 'state';
  const outcome = connectOutcome(state, err);
  return {
    ...h,
    outcome,
    error: outcome === 'established' ? '' : errnoName(err),
    ret: via === 'state' ? null : ret,
    latUs: latNs === 0n ? null : Number(latNs) / 1000,
    via,
  };
}

export interface ConnectCount {
  family: 4 | 6;
  laddr: string;
  raddr: string;
  rport: number;
  connects: number;
  failed: number;
}

/** count-mode map, busiest first */
export function decodeCounts(d: MapDump): ConnectCount[] {
  if (d.count > 0 && (d.keySize !== KEY_SIZE || d.valueSize !== VALUE_SIZE)) {
    throw new RangeError(`counts map is ${d.keySize}/${d.valueSize} bytes, expected ${KEY_SIZE}/${VALUE_SIZE}`);
  }
  const out: ConnectCount[] = [];
  for (const { key: k, value: v } of mapEntries(d)) {
    const family = afToFamily(k.readUInt16LE(0)) ?? 4;
    out.push({
      family,
      laddr: formatAddr(family, k.subarray(4, 20)),
      raddr: formatAddr(family, k.subarray(20, 36)),
      rport: k.readUInt16LE(2),
      connects: Number(v.readBigUInt64LE(0)),
      failed: Number(v.readBigUInt64LE(8)),
    });
  }
  return out.sort((a, b) => b.connects - a.connects || a.rport - b.rport);
}
