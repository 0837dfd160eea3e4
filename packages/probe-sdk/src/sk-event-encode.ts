/**
 * The inverse of decodeSkEventHead, by the generated layout of bpf/include/sk_event.h's `struct
 * sk_event_head`: a probe's decoder test builds its fixtures from named fields, never offsets.
 */
import type { LayoutInput } from './layout.js';
import { sk_event_head } from './layout.gen.js';

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

/** a zeroed record of `size` bytes (at least the head's 96) starting with this head */
export function encodeSkEventHead(h: SkEventHeadFields, size = sk_event_head.size): Buffer {
  if (size < sk_event_head.size) throw new RangeError(`a record with a sk_event_head is at least ${sk_event_head.size} bytes, got ${size}`);
  const b = Buffer.alloc(size);
  sk_event_head.encodeInto(b, 0, skEventHeadInput(h));
  return b;
}

/** the generated layout's input for a head given by its names here */
export function skEventHeadInput(h: SkEventHeadFields): LayoutInput<sk_event_head> {
  const addr = (a: ArrayLike<number> | undefined) => (a ? Buffer.from(Array.from(a)).subarray(0, 16) : undefined);
  return {
    ts_ns: h.tsNs ?? 0n,
    skaddr: h.skaddr ?? 0n,
    pid: h.pid ?? 0,
    tid: h.tid ?? 0,
    uid: h.uid ?? 0,
    netns: h.netns ?? 0,
    cgroup: h.cgroup ?? 0n,
    comm: (h.comm ?? '').slice(0, 15),
    t: { family: h.af ?? 0, lport: h.lport ?? 0, rport: h.rport ?? 0, laddr: addr(h.laddr), raddr: addr(h.raddr) },
  };
}
