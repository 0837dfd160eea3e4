/**
 * What bpf/tcpretrans.h's records mean: ring-buffer records (struct tcpretrans_event) and the `flows` map
 * (struct tcpretrans_flow_key: sock_tuple + cgroup -> struct tcpretrans_count). Layouts: layout.gen.ts.
 */
import { checkMapSizes, mapEntries, ProbeLoadError, skEventHead, sockTuple, tcpStateName, type MapDump, type Owner, type SkEventHead } from '@sonde/probe-sdk';
import { maps, tcpretrans_count, tcpretrans_event, tcpretrans_flow_key } from './layout.gen.js';

/** TCPRETRANS_MAX_FLOWS */
export const MAX_FLOWS = maps.flows.maxEntries;

export interface TcpretransEvent extends SkEventHead {
  /**
   * R: a retransmitted segment (upstream's R); S: a retransmitted SYN-ACK (beyond upstream); L: a
   * tail-loss probe that went out (upstream's L, with `tlp`)
   */
  type: 'R' | 'S' | 'L';
  state: string;
  /** sequence number of the first byte (of the SYN-ACK: its ISN; of a TLP: snd_nxt after it, tlp_high_seq) */
  seq: number;
  /** segments in the retransmitted skb (TSO/GSO); TcpRetransSegs counts these. 0 for a TLP (its retransmit, if any, is its own R) */
  segs: number;
}

export function decodeEvent(b: Buffer): TcpretransEvent {
  if (b.length < tcpretrans_event.size) throw new ProbeLoadError(`tcpretrans: event of ${b.length} bytes, expected ${tcpretrans_event.size}`, 'read');
  const r = tcpretrans_event.decode(b);
  const e = skEventHead(r.h) as TcpretransEvent;
  e.seq = r.seq;
  e.segs = r.segs;
  e.state = tcpStateName(r.state);
  e.type = r.type === 2 ? 'S' : r.type === 3 ? 'L' : 'R';
  return e;
}

export interface Flow {
  family: 4 | 6;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  /** the socket's cgroup v2 id (who owns the connection, even for retransmits from a timer) */
  cgroup: string;
  /** who owns the socket (attached by the control plane from `cgroup`) */
  owner?: Owner;
  retransmits: number;
  segments: number;
  /** tail-loss probes sent (only with `tlp`) */
  tlp?: number;
}

/** flows, most retransmits first */
export function decodeFlows(dump: MapDump): Flow[] {
  checkMapSizes('tcpretrans', 'flows', dump, tcpretrans_flow_key.size, tcpretrans_count.size);
  const out: Flow[] = [];
  for (const { key, value } of mapEntries(dump)) {
    const k = tcpretrans_flow_key.decode(key);
    const v = tcpretrans_count.decode(value);
    out.push({ ...sockTuple(k.t), cgroup: k.cgroup.toString(), retransmits: v.retransmits, segments: v.segments, tlp: v.tlp });
  }
  return out.sort((a, b) => b.retransmits - a.retransmits || (b.tlp ?? 0) - (a.tlp ?? 0) || a.lport - b.lport || a.rport - b.rport);
}
