/**
 * What bpf/tcptrace.bpf.c's records mean (bpf/tcptrace.h): `struct tcptrace_pkt` (one packet's timeline of
 * `struct tcptrace_stage`s: ring-buffer records and the `pkts` map's values) and the `hists` map (key
 * from << 8 | to -> `struct tcptrace_hist`). Layouts: layout.gen.ts.
 */
import { checkMapSizes, decodeScalar, formatAddr, log2Histogram, mapEntries, sideSize, type Histogram, type IpFamily, type MapDump } from '@sonde/probe-sdk';
import { maps, tcptrace_hist, tcptrace_pkt } from './layout.gen.js';

/**
 * stage numbers of tcptrace.h, named after their tracepoints (or kernel function): the read is
 * sock_recv_length from 6.3, tcp_recvmsg (its return) on the fallback variants before
 */
export const STAGES = [
  '',
  'net_dev_queue',
  'net_dev_start_xmit',
  'net_dev_xmit',
  'napi_gro_receive_entry',
  'netif_receive_skb',
  'tcp_probe',
  'sock_recv_length',
  'consume_skb',
  'kfree_skb',
  'tcp_recvmsg',
] as const;
export const ENDS = ['open', 'consume', 'drop', 'read', 'ack', 'reused'] as const;
export type End = (typeof ENDS)[number];

export interface Stage {
  stage: string;
  tsNs: string;
  /** since the packet's first stage, µs */
  atUs: number;
  /** since the previous stage, µs */
  deltaUs: number;
  cpu: number;
  ifindex: number;
  /** the device's name in its own namespace ('' when no device) */
  ifname: string;
}

export interface Packet {
  skb: string;
  family: IpFamily;
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  seq: number;
  /** TCP payload bytes */
  len: number;
  /** TCP flags as tcpdump prints them: S F R P . (ACK) */
  flags: string;
  /** how the timeline ended: consume/drop (freed), read (data read by the process), ack (no payload, done in TCP), reused (freed unseen), open (still alive at the end) */
  end: End;
  /** kfree_skb's reason number when end = drop */
  dropReason?: number;
  stages: Stage[];
  /** stage records past the 12 the kernel keeps */
  lostStages: number;
}

export function tcpFlags(f: number): string {
  let s = '';
  if (f & 0x02) s += 'S';
  if (f & 0x01) s += 'F';
  if (f & 0x04) s += 'R';
  if (f & 0x08) s += 'P';
  if (f & 0x10) s += '.';
  return s || 'none';
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

export function decodePacket(b: Buffer): Packet | null {
  if (b.length < tcptrace_pkt.size) return null;
  const r = tcptrace_pkt.decode(b);
  const family: IpFamily = r.family === 10 ? 6 : 4;
  const end = ENDS[r.end] ?? 'open';
  const stages: Stage[] = [];
  const first = r.st[0]?.ts ?? 0n;
  let prev = first;
  for (const s of r.st.slice(0, r.nstages)) {
    stages.push({
      stage: STAGES[s.stage] || `stage_${s.stage}`,
      tsNs: s.ts.toString(),
      atUs: round3(Number(s.ts - first) / 1000),
      deltaUs: round3(Number(s.ts - prev) / 1000),
      cpu: s.cpu,
      ifindex: s.ifindex,
      ifname: s.ifname,
    });
    prev = s.ts;
  }
  const p: Packet = {
    skb: '0x' + r.skb.toString(16),
    family,
    saddr: formatAddr(family, r.saddr),
    sport: r.sport,
    daddr: formatAddr(family, r.daddr),
    dport: r.dport,
    seq: r.seq,
    len: r.len,
    flags: tcpFlags(r.flags),
    end,
    stages,
    lostStages: r.lost_stages,
  };
  if (end === 'drop') p.dropReason = r.drop_reason;
  return p;
}

/** the timelines still in the `pkts` map at the end (end = open) */
export function decodeOpenPackets(dump: MapDump): Packet[] {
  checkMapSizes('tcptrace', 'pkts', dump, sideSize(maps.pkts.key), tcptrace_pkt.size);
  const out: Packet[] = [];
  for (const { value } of mapEntries(dump)) {
    const p = decodePacket(value);
    if (p && p.stages.length > 0) out.push(p);
  }
  return out;
}

export interface StageHistogram {
  from: string;
  to: string;
  /** nanoseconds */
  hist: Histogram;
}

export function decodeHists(dump: MapDump): StageHistogram[] {
  checkMapSizes('tcptrace', 'hists', dump, sideSize(maps.hists.key), tcptrace_hist.size);
  const out: Array<StageHistogram & { k: number }> = [];
  for (const { key, value } of mapEntries(dump)) {
    const k = decodeScalar(maps.hists.key, key);
    const h = tcptrace_hist.decode(value);
    if (h.cnt === 0) continue;
    out.push({
      k,
      from: STAGES[k >> 8] || `stage_${k >> 8}`,
      to: STAGES[k & 0xff] || `stage_${k & 0xff}`,
      // min is kept inverted (~min); as a signed 64-bit number that is -(min + 1)
      hist: log2Histogram(h.slots, { unit: 'nsecs', sum: h.sum, min: -h.min_inv - 1, max: h.max }),
    });
  }
  // in stack order: by from-stage, then to-stage
  return out.sort((a, b) => a.k - b.k).map(({ k: _k, ...h }) => h);
}
