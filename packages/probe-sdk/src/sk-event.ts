/**
 * Decoding of bpf/include/sk_event.h's `struct sk_event_head`, the first 96 bytes of every
 * per-socket event, and of kernel timestamps to wall-clock time.
 */
import { formatAddr } from './address.js';
import { AF_INET, AF_INET6 } from './filters.js';

export const SK_EVENT_HEAD_SIZE = 96;

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

export function decodeSkEventHead(b: Buffer, off = 0): SkEventHead {
  const ts = b.readBigUInt64LE(off);
  const af = b.readUInt16LE(off + 56);
  const family: 4 | 6 = af === AF_INET6 ? 6 : 4;
  const laddr = b.subarray(off + 64, off + 80);
  const raddr = b.subarray(off + 80, off + 96);
  return {
    time: new Date(monoNsToEpochMs(ts)).toISOString(),
    tsNs: ts.toString(),
    skaddr: '0x' + b.readBigUInt64LE(off + 8).toString(16),
    pid: b.readUInt32LE(off + 16),
    tid: b.readUInt32LE(off + 20),
    uid: b.readUInt32LE(off + 24),
    netns: b.readUInt32LE(off + 28),
    cgroup: b.readBigUInt64LE(off + 32).toString(),
    comm: cString(b.subarray(off + 40, off + 56)),
    family: af === AF_INET || af === AF_INET6 ? family : 4,
    lport: b.readUInt16LE(off + 58),
    rport: b.readUInt16LE(off + 60),
    laddr: formatAddr(family, laddr),
    raddr: formatAddr(family, raddr),
  };
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
