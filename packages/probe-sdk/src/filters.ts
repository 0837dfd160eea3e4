/**
 * The common filters (DESIGN.md: family, lport/rport, laddr/raddr, ...) as zod building blocks,
 * and their encoders into the `const volatile targ_*` globals of bpf/include/filters.h:
 *
 *   targ_<x>ports      __u16[8] host-order ports (bytes little-endian)   portFilterGlobals('lports', ...)
 *   targ_<x>ports_cnt  __u32 how many are set (0 = no filter)
 *   targ_<x>addr       __u8[16] network-order address                    addrFilterGlobals('laddr', ...)
 *   targ_<x>addr_family __u16 AF_INET/AF_INET6 (0 = no filter)
 *   targ_<x>addr_prefix __u32 prefix length in bits
 *   targ_family        __u16 AF_INET/AF_INET6 (0 = any)                  familyGlobal(...)
 *
 * Plus little-endian readers for decoders of map and ring-buffer bytes.
 */
import { z } from 'zod';
import { parseCidr, type Cidr, type IpFamily } from './address.js';
import type { GlobalValue } from './kernel.js';

/** Linux address family numbers, as the kernel stores them in sk_family */
export const AF_INET = 2;
export const AF_INET6 = 10;

/** entries of a port list filter in the kernel (SONDE_MAX_PORTS) */
export const MAX_PORTS = 8;

export const port = z
  .number({ error: 'a port is a number 1..65535' })
  .int('a port is an integer')
  .min(1, 'ports are 1..65535')
  .max(65535, 'ports are 1..65535');

/**
 * A port or up to 8 ports; always number[] after parsing ([] = no filter), duplicates removed.
 * Ranges are checked after the shape so each error names the bad port, not "invalid union".
 */
export const portList = z
  .union([z.number(), z.array(z.number())], {
    error: `expected a port 1..65535 or an array of up to ${MAX_PORTS} ports`,
  })
  .transform((v, ctx) => {
    const list = Array.isArray(v) ? v : [v];
    if (list.length > MAX_PORTS) {
      ctx.issues.push({ code: 'custom', input: v, message: `at most ${MAX_PORTS} ports (the kernel-side list holds ${MAX_PORTS}), got ${list.length}` });
      return z.NEVER;
    }
    const bad = list.find((p) => !Number.isInteger(p) || p < 1 || p > 65535);
    if (bad !== undefined) {
      ctx.issues.push({ code: 'custom', input: v, message: `port ${bad} is not an integer 1..65535` });
      return z.NEVER;
    }
    return [...new Set(list)];
  })
  .describe(`a port 1..65535 or a list of up to ${MAX_PORTS}`);

/** An IPv4/IPv6 address or CIDR (`10.0.0.0/8`, `2001:db8::/32`, `::1`). Stays a string. */
export const cidr = z.string().superRefine((s, ctx) => {
  try {
    parseCidr(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

/** IP version: 4 or 6 */
export const family = z.union([z.literal(4), z.literal(6)], { error: 'family is 4 or 6' });

export function familyToAf(f: IpFamily | null | undefined): number {
  return f === 4 ? AF_INET : f === 6 ? AF_INET6 : 0;
}

export function afToFamily(af: number): IpFamily | null {
  return af === AF_INET ? 4 : af === AF_INET6 ? 6 : null;
}

/** Ports as a `__u16[n]` array (little-endian bytes), zero-padded. */
export function encodePorts(list: readonly number[] | undefined, n = MAX_PORTS): Uint8Array {
  const ports = list ?? [];
  if (ports.length > n) throw new RangeError(`at most ${n} ports fit the kernel filter, got ${ports.length}`);
  const out = new Uint8Array(2 * n);
  const dv = new DataView(out.buffer);
  ports.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new RangeError(`invalid port ${p}`);
    dv.setUint16(2 * i, p, true);
  });
  return out;
}

export interface AddrFilter {
  /** 16 bytes network order (IPv4 in the first 4) */
  addr: Uint8Array;
  prefix: number;
  /** AF_INET / AF_INET6; 0 = no filter */
  family: number;
}

/** An optional CIDR string (or a parsed Cidr) as the kernel filter's three values. */
export function encodeAddrFilter(c: string | Cidr | null | undefined): AddrFilter {
  if (c == null) return { addr: new Uint8Array(16), prefix: 0, family: 0 };
  const p = typeof c === 'string' ? parseCidr(c) : c;
  return { addr: Uint8Array.from(p.addr), prefix: p.prefix, family: familyToAf(p.family) };
}

/** `{targ_<name>, targ_<name>_cnt}` for a port list global pair, e.g. name 'lports'. */
export function portFilterGlobals(name: string, list: readonly number[] | undefined): Record<string, GlobalValue> {
  return { [`targ_${name}`]: encodePorts(list), [`targ_${name}_cnt`]: list?.length ?? 0 };
}

/** `{targ_<name>, targ_<name>_family, targ_<name>_prefix}`, e.g. name 'laddr'. */
export function addrFilterGlobals(name: string, c: string | Cidr | null | undefined): Record<string, GlobalValue> {
  const f = encodeAddrFilter(c);
  return { [`targ_${name}`]: f.addr, [`targ_${name}_family`]: f.family, [`targ_${name}_prefix`]: f.prefix };
}

/** `{targ_family}`: 0 (any), AF_INET or AF_INET6 */
export function familyGlobal(f: IpFamily | null | undefined): Record<string, GlobalValue> {
  return { targ_family: familyToAf(f) };
}

// Little-endian readers over any byte view (Buffer included), for map and ring-buffer decoders.

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

export function readU8(b: Uint8Array, off: number): number {
  return view(b).getUint8(off);
}
export function readU16(b: Uint8Array, off: number): number {
  return view(b).getUint16(off, true);
}
export function readU32(b: Uint8Array, off: number): number {
  return view(b).getUint32(off, true);
}
export function readU64(b: Uint8Array, off: number): bigint {
  return view(b).getBigUint64(off, true);
}
/** a u64 as a JS number (exact up to 2^53) */
export function readU64Num(b: Uint8Array, off: number): number {
  return Number(view(b).getBigUint64(off, true));
}
/** `n` consecutive u64 values starting at `off` */
export function readU64Array(b: Uint8Array, off: number, n: number): bigint[] {
  const dv = view(b);
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) out.push(dv.getBigUint64(off + 8 * i, true));
  return out;
}
