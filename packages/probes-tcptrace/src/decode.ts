/**
 * Decoding for bpf/tcptrace.bpf.c (layouts in bpf/tcptrace.h):
 *
 *   struct tcptrace_pkt    448 bytes: skb, saddr[16], daddr[16], family, sport, dport, flags, nstages,
 *                          seq, len, drop_reason, end, lost_stages, ack16 (not decoded), st[12]
 *   struct tcptrace_stage   32 bytes: ts, ifindex, cpu u16, stage u8, pad, ifname[16]
 *   struct tcptrace_hist   288 bytes: slots[32], sum, cnt, min_inv, max   (key u32 from << 8 | to)
 */
import {
  checkMapSizes,
  cString,
  formatAddr,
  log2Histogram,
  mapEntries,
  readU64,
  readU64Array,
  type Histogram,
  type IpFamily,
  type MapDump,
} from '@sonde/probe-sdk';

export const PKT_SIZE = 448;
export const STAGE_SIZE = 32;
export const MAX_STAGES = 12;
export const HIST_SLOTS = 32;
export const HIST_SIZE = 8 * (HIST_SLOTS + 4);

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
  if (b.length < PKT_SIZE) return null;
  const family: IpFamily = b.readUInt16LE(40) === 10 ? 6 : 4;
  const n = Math.min(b.readUInt8(47), MAX_STAGES);
  const end = ENDS[b.readUInt8(60)] ?? 'open';
  const stages: Stage[] = [];
  let first = 0n;
  let prev = 0n;
  for (let i = 0; i < n; i++) {
    const o = 64 + i * STAGE_SIZE;
    const ts = b.readBigUInt64LE(o);
    if (i === 0) first = prev = ts;
    stages.push({
      stage: STAGES[b.readUInt8(o + 14)] || `stage_${b.readUInt8(o + 14)}`,
      tsNs: ts.toString(),
      atUs: round3(Number(ts - first) / 1000),
      deltaUs: round3(Number(ts - prev) / 1000),
      cpu: b.readUInt16LE(o + 12),
      ifindex: b.readUInt32LE(o + 8),
      ifname: cString(b.subarray(o + 16, o + 32)),
    });
    prev = ts;
  }
  const p: Packet = {
    skb: '0x' + b.readBigUInt64LE(0).toString(16),
    family,
    saddr: formatAddr(family, b.subarray(8, 24)),
    sport: b.readUInt16LE(42),
    daddr: formatAddr(family, b.subarray(24, 40)),
    dport: b.readUInt16LE(44),
    seq: b.readUInt32LE(48),
    len: b.readUInt32LE(52),
    flags: tcpFlags(b.readUInt8(46)),
    end,
    stages,
    lostStages: b.readUInt8(61),
  };
  if (end === 'drop') p.dropReason = b.readUInt32LE(56);
  return p;
}

/** the timelines still in the `pkts` map at the end (end = open) */
export function decodeOpenPackets(dump: MapDump): Packet[] {
  checkMapSizes('tcptrace', 'pkts', dump, 8, PKT_SIZE);
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
  checkMapSizes('tcptrace', 'hists', dump, 4, HIST_SIZE);
  const out: Array<StageHistogram & { k: number }> = [];
  for (const { key, value: v } of mapEntries(dump)) {
    const k = key.readUInt32LE(0);
    const cnt = readU64(v, 8 * (HIST_SLOTS + 1));
    if (cnt === 0n) continue;
    out.push({
      k,
      from: STAGES[k >> 8] || `stage_${k >> 8}`,
      to: STAGES[k & 0xff] || `stage_${k & 0xff}`,
      hist: log2Histogram(readU64Array(v, 0, HIST_SLOTS), {
        unit: 'nsecs',
        sum: readU64(v, 8 * HIST_SLOTS),
        min: ~readU64(v, 8 * (HIST_SLOTS + 2)) & (2n ** 64n - 1n),
        max: readU64(v, 8 * (HIST_SLOTS + 3)),
      }),
    });
  }
  // in stack order: by from-stage, then to-stage
  return out.sort((a, b) => a.k - b.k).map(({ k: _k, ...h }) => h);
}
