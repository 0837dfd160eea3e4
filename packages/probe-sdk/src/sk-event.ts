/**
 * The meaning of bpf/include/sk_event.h's `struct sk_event_head`, the first 96 bytes of every
 * per-socket event (its layout is generated from BTF: layout.gen.ts), and of kernel timestamps.
 */
import { formatAddr } from './address.js';
import { AF_INET, AF_INET6 } from './filters.js';
import { sk_event_head } from './layout.gen.js';

export const SK_EVENT_HEAD_SIZE = sk_event_head.size;

export interface SkEventHead {
  /** wall-clock time of the event, ISO 8601 with ms */
  time: string;
  /** kernel CLOCK_MONOTONIC ns, for ordering and deltas */
  tsNs: string;
  /** the socket's kernel address, hex: ties the events of one socket together */
  skaddr: string;
  /** owner process (0 when unknown: the event happened in softirq before any owner was seen) */
  pid: number;
  tid: number;
  uid: number;
  comm: string;
  /**
   * the socket's cgroup v2 id, decimal: the cgroup the socket was made in (an accepted socket: its
   * listener's), right in softirq too — not the cgroup of the task on the CPU. '0' for a time-wait
   * socket. The control plane resolves it into `owner` (container, pod).
   */
  cgroup: string;
  netns: number;
  family: 4 | 6;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
}

/** CLOCK_MONOTONIC ns (bpf_ktime_get_ns) → epoch ms, using Node's monotonic clock (same clock on Linux) */
export function monoNsToEpochMs(tsNs: bigint): number {
  const nowMono = process.hrtime.bigint();
  return Date.now() - Number(nowMono - tsNs) / 1e6;
}

export function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(b.subarray(0, end < 0 ? b.length : end)).toString('utf8');
}

/** the semantic head of a decoded `struct sk_event_head` (a record's `h`) */
export function skEventHead(h: sk_event_head): SkEventHead {
  const t = h.t;
  const family: 4 | 6 = t.family === AF_INET6 ? 6 : 4;
  return {
    time: new Date(monoNsToEpochMs(h.ts_ns)).toISOString(),
    tsNs: h.ts_ns.toString(),
    skaddr: '0x' + h.skaddr.toString(16),
    pid: h.pid,
    tid: h.tid,
    uid: h.uid,
    netns: h.netns,
    cgroup: h.cgroup.toString(),
    comm: h.comm,
    family: t.family === AF_INET || t.family === AF_INET6 ? family : 4,
    lport: t.lport,
    rport: t.rport,
    laddr: formatAddr(family, t.laddr),
    raddr: formatAddr(family, t.raddr),
  };
}

export function decodeSkEventHead(b: Buffer, off = 0): SkEventHead {
  return skEventHead(sk_event_head.decode(b, off));
}

export const TCP_STATES = [
  '',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
] as const;

export function tcpStateName(n: number): string {
  return TCP_STATES[n] || `STATE_${n}`;
}
