/**
 * IP addresses as the kernel side keeps them: 16 network-order bytes for both families, IPv4 in
 * the first 4 bytes and the rest zero (bpf/include/sock.h). Parsing is strict (like inet_pton)
 * and every error names the offending input.
 */

export type IpFamily = 4 | 6;

export interface Cidr {
  family: IpFamily;
  /** 16 bytes, network order; IPv4 in the first 4; host bits (beyond the prefix) cleared */
  addr: Uint8Array;
  /** prefix length in bits: 0..32 for IPv4, 0..128 for IPv6 */
  prefix: number;
}

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

export function isV4Mapped(bytes: Uint8Array): boolean {
  return bytes.length >= 16 && V4_MAPPED_PREFIX.every((b, i) => bytes[i] === b);
}

/**
 * Text form of an address. IPv6 follows RFC 5952 (lowercase, no leading zeros, the longest run
 * of two or more zero groups as `::`, the first on a tie; v4-mapped as `::ffff:a.b.c.d`).
 */
export function formatAddr(family: IpFamily, bytes: Uint8Array): string {
  if (family === 4) {
    if (bytes.length < 4) throw new RangeError(`an IPv4 address needs 4 bytes, got ${bytes.length}`);
    return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  }
  if (family !== 6) throw new RangeError(`unknown address family ${String(family)} (want 4 or 6)`);
  if (bytes.length < 16) throw new RangeError(`an IPv6 address needs 16 bytes, got ${bytes.length}`);
  if (isV4Mapped(bytes)) return `::ffff:${formatAddr(4, bytes.subarray(12))}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let bestAt = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestAt < 0) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
}

/** `addr/prefix`, with the prefix omitted when it covers the whole address. */
export function formatCidr(c: Cidr): string {
  const full = c.family === 4 ? 32 : 128;
  const a = formatAddr(c.family, c.addr);
  return c.prefix === full ? a : `${a}/${c.prefix}`;
}

function parseV4(s: string): Uint8Array | string {
  const parts = s.split('.');
  if (parts.length !== 4) return 'an IPv4 address has 4 dot-separated numbers';
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return `'${p}' is not a decimal number 0..255 without leading zeros`;
    const n = Number(p);
    if (n > 255) return `${n} is larger than 255`;
    out[i] = n;
  }
  return out;
}

function parseV6(s: string): Uint8Array | string {
  if (s.includes('%')) return 'zone ids (%eth0) are not supported';
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return "'::' may appear only once";
  if (s.includes(':::')) return "':::' is not valid";
  const groups = (part: string, v4Tail: boolean): number[] | string => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const g = items[i]!;
      if (v4Tail && i === items.length - 1 && g.includes('.')) {
        const v4 = parseV4(g);
        if (typeof v4 === 'string') return `embedded IPv4 '${g}': ${v4}`;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
        out.push(parseInt(g, 16));
      } else {
        return g === '' ? 'empty group (a lone leading or trailing colon?)' : `'${g}' is not a group of 1-4 hex digits`;
      }
    }
    return out;
  };
  let all: number[];
  if (dbl >= 0) {
    const head = groups(s.slice(0, dbl), false);
    const tail = groups(s.slice(dbl + 2), true);
    if (typeof head === 'string') return head;
    if (typeof tail === 'string') return tail;
    if (head.length + tail.length > 7) return "too many groups for '::' to stand for any";
    all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const gs = groups(s, true);
    if (typeof gs === 'string') return gs;
    if (gs.length !== 8) return `an IPv6 address without '::' has 8 groups, got ${gs.length}`;
    all = gs;
  }
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Parse a plain IP address (v4 or v6) into the 16-byte form. Throws on bad input. */
export function parseIp(s: string): { family: IpFamily; addr: Uint8Array } {
  const c = parseCidr(s);
  if (c.prefix !== (c.family === 4 ? 32 : 128) || s.includes('/')) {
    throw new Error(`invalid IP address '${s}': a prefix length is not allowed here`);
  }
  return { family: c.family, addr: c.addr };
}

/**
 * An IP address as the probes write it (formatAddr: RFC 5952 for IPv6 — lower case, the longest run of
 * zero groups compressed; a v4-mapped address as its IPv4 one), so that addresses from elsewhere (the
 * Kubernetes API) compare equal to the probes' `raddr`. Text that is no IP address is returned as is.
 */
export function canonicalIp(s: string): string {
  try {
    const { family, addr } = parseIp(s);
    return family === 6 && isV4Mapped(addr) ? formatAddr(4, addr.subarray(12)) : formatAddr(family, addr);
  } catch {
    return s;
  }
}

/**
 * Parse `addr` or `addr/prefix` (IPv4 or IPv6). A plain address gets the full prefix; host
 * bits beyond the prefix are cleared (10.1.2.3/8 -> 10.0.0.0/8). A v4-mapped IPv6 network
 * (::ffff:10.0.0.0/104) becomes the IPv4 one (10.0.0.0/8), because the kernel side reports
 * v4-mapped sockets as IPv4. Throws an Error naming the input and the reason.
 */
export function parseCidr(s: string): Cidr {
  if (typeof s !== 'string') throw new TypeError(`invalid address: expected a string, got ${typeof s}`);
  const text = s.trim();
  const bad = (why: string): never => {
    throw new Error(`invalid ${text.includes(':') ? 'IPv6' : 'IPv4'} address or CIDR '${s}': ${why}`);
  };
  if (text === '') bad('empty');
  const slash = text.split('/');
  if (slash.length > 2) bad("more than one '/'");
  const [ip, pfx] = slash as [string, string | undefined];
  const family: IpFamily = ip.includes(':') ? 6 : 4;
  const parsed = family === 6 ? parseV6(ip) : parseV4(ip);
  if (typeof parsed === 'string') return bad(parsed);
  const full = family === 4 ? 32 : 128;
  let prefix = full;
  if (pfx !== undefined) {
    if (!/^[0-9]{1,3}$/.test(pfx)) bad(`prefix length '${pfx}' is not a number`);
    prefix = Number(pfx);
    if (prefix > full) bad(`prefix length ${prefix} exceeds ${full}`);
  }
  const addr = new Uint8Array(16);
  addr.set(parsed);
  if (family === 6 && isV4Mapped(addr) && prefix >= 96) {
    const v4 = new Uint8Array(16);
    v4.set(addr.subarray(12, 16));
    return { family: 4, addr: maskAddr(v4, prefix - 96), prefix: prefix - 96 };
  }
  return { family, addr: maskAddr(addr, prefix), prefix };
}

/** Clear the bits beyond `prefix` (in place) and return the array. */
function maskAddr(addr: Uint8Array, prefix: number): Uint8Array {
  for (let i = 0; i < addr.length; i++) {
    const bits = prefix - 8 * i;
    if (bits >= 8) continue;
    addr[i] = bits <= 0 ? 0 : addr[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return addr;
}

/** Whether a 16-byte address of `family` lies in the network (same rule as filters.h). */
export function cidrContains(c: Cidr, family: IpFamily, addr: Uint8Array): boolean {
  if (family !== c.family) return false;
  for (let i = 0; i < 16; i++) {
    const bits = c.prefix - 8 * i;
    if (bits <= 0) break;
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((addr[i] ?? 0) ^ c.addr[i]!) & mask) return false;
  }
  return true;
}
