/**
 * The inverse of decodeSkEventHead: bytes laid out as bpf/include/sk_event.h's `struct sk_event_head`,
 * so a probe's decoder test builds its fixtures from named fields instead of offsets copied per probe.
 */
import { SK_EVENT_HEAD_SIZE } from './sk-event.js';

/** the head's fields as the kernel stores them; absent ones stay zero */
export interface SkEventHeadFields {
  tsNs?: bigint;
  skaddr?: bigint;
  pid?: number;
  tid?: number;
  uid?: number;
  netns?: number;
  cgroup?: bigint;
  comm?: string;
  /** AF_INET (2) / AF_INET6 (10) */
  af?: number;
  lport?: number;
  rport?: number;
  /** network order, IPv4 in the first 4 bytes */
  laddr?: ArrayLike<number>;
  raddr?: ArrayLike<number>;
}

const U64 = [['tsNs', 0], ['skaddr', 8], ['cgroup', 32]] as const;
const U32 = [['pid', 16], ['tid', 20], ['uid', 24], ['netns', 28]] as const;
const U16 = [['af', 56], ['lport', 58], ['rport', 60]] as const;
const COMM = 40;
const COMM_LEN = 16;
const LADDR = 64;
const RADDR = 80;

/** a zeroed record of `size` bytes (at least the head's 96) starting with this head */
export function encodeSkEventHead(h: SkEventHeadFields, size = SK_EVENT_HEAD_SIZE): Buffer {
  if (size < SK_EVENT_HEAD_SIZE) throw new RangeError(`a record with a sk_event_head is at least ${SK_EVENT_HEAD_SIZE} bytes, got ${size}`);
  const b = Buffer.alloc(size);
  for (const [k, off] of U64) b.writeBigUInt64LE(h[k] ?? 0n, off);
  for (const [k, off] of U32) b.writeUInt32LE(h[k] ?? 0, off);
  for (const [k, off] of U16) b.writeUInt16LE(h[k] ?? 0, off);
  if (h.comm) Buffer.from(h.comm, 'utf8').subarray(0, COMM_LEN - 1).copy(b, COMM);
  if (h.laddr) Buffer.from(Array.from(h.laddr)).subarray(0, 16).copy(b, LADDR);
  if (h.raddr) Buffer.from(Array.from(h.raddr)).subarray(0, 16).copy(b, RADDR);
  return b;
}
