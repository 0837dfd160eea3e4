/**
 * What bpf/tcpconnect.h's records mean: `struct tcpconnect_event` (ring buffer records) and the
 * count-mode map (`struct tcpconnect_key` -> `struct tcpconnect_count`). Layouts: layout.gen.ts.
 */
import { afToFamily, checkMapSizes, connectOutcome, errnoName, formatAddr, mapEntries, skEventHead, type ConnectOutcome, type MapDump, type SkEventHead } from '@sonde/probe-sdk';
import { maps, tcpconnect_count, tcpconnect_event, tcpconnect_key } from './layout.gen.js';

export const MAX_COUNTS = maps.counts.maxEntries;

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
  const e = tcpconnect_event.decode(b);
  const via = e.via === 0 ? 'connect' : e.via === 2 ? 'before-syn' : 'state';
  const outcome = connectOutcome(e.state, e.err);
  return {
    ...skEventHead(e.h),
    outcome,
    error: outcome === 'established' ? '' : errnoName(e.err),
    ret: via === 'state' ? null : e.ret,
    latUs: e.lat_ns === 0 ? null : e.lat_ns / 1000,
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
  checkMapSizes('tcpconnect', 'counts', d, tcpconnect_key.size, tcpconnect_count.size);
  const out: ConnectCount[] = [];
  for (const { key, value } of mapEntries(d)) {
    const k = tcpconnect_key.decode(key);
    const v = tcpconnect_count.decode(value);
    const family = afToFamily(k.family) ?? 4;
    out.push({ family, laddr: formatAddr(family, k.laddr), raddr: formatAddr(family, k.raddr), rport: k.rport, connects: v.connects, failed: v.failed });
  }
  return out.sort((a, b) => b.connects - a.connects || a.rport - b.rport);
}
