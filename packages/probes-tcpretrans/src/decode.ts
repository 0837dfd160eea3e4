/**
 * Decoding of bpf/tcpretrans.h: ring-buffer records (struct tcpretrans_event, 112 bytes) and the
 * `flows` map (struct tcpretrans_flow_key: sock_tuple + cgroup, 48 bytes -> struct tcpretrans_count, 24 bytes).
 */
import {
  afToFamily,
  checkMapSizes,
  decodeSkEventHead,
  formatAddr,
  mapEntries,
  ProbeLoadError,
  SK_EVENT_HEAD_SIZE,
  tcpStateName,
  type MapDump,
  type Owner,
  type SkEventHead,
} from '@sonde/probe-sdk';

export const EVENT_SIZE = SK_EVENT_HEAD_SIZE + 16;
export const FLOW_KEY_SIZE = 48;
export const FLOW_VALUE_SIZE = 24;
/** TCPRETRANS_MAX_FLOWS */
export const MAX_FLOWS = 10240;

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
  if (b.length < EVENT_SIZE) throw new ProbeLoadError(`tcpretrans: event of ${b.length} bytes, expected ${EVENT_SIZE}`, 'read');
  const e = decodeSkEventHead(b) as TcpretransEvent;
  e.seq = b.readUInt32LE(SK_EVENT_HEAD_SIZE);
  e.segs = b.readUInt32LE(SK_EVENT_HEAD_SIZE + 4);
  e.state = tcpStateName(b[SK_EVENT_HEAD_SIZE + 8]!);
  const t = b[SK_EVENT_HEAD_SIZE + 9];
  e.type = t === 2 ? 'S' : t === 3 ? 'L' : 'R';
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
  checkMapSizes('tcpretrans', 'flows', dump, FLOW_KEY_SIZE, FLOW_VALUE_SIZE);
  const out: Flow[] = [];
  for (const { key: k, value: v } of mapEntries(dump)) {
    const family = afToFamily(k.readUInt16LE(0)) ?? 4;
    out.push({
      family,
      lport: k.readUInt16LE(2),
      rport: k.readUInt16LE(4),
      laddr: formatAddr(family, k.subarray(8, 24)),
      raddr: formatAddr(family, k.subarray(24, 40)),
      cgroup: k.readBigUInt64LE(40).toString(),
      retransmits: Number(v.readBigUInt64LE(0)),
      segments: Number(v.readBigUInt64LE(8)),
      tlp: Number(v.readBigUInt64LE(16)),
    });
  }
  return out.sort((a, b) => b.retransmits - a.retransmits || (b.tlp ?? 0) - (a.tlp ?? 0) || a.lport - b.lport || a.rport - b.rport);
}
