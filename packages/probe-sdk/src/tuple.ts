/**
 * bpf/include/sock.h's `struct sock_tuple` (40 bytes: family u16, lport u16, rport u16, pad u16,
 * laddr[16], raddr[16]; ports host order, addresses network order) as map keys and events carry it;
 * its layout is generated from BTF (layout.gen.ts).
 */
import { formatAddr, type IpFamily } from './address.js';
import { AF_INET6 } from './filters.js';
import { sock_tuple } from './layout.gen.js';

export const SOCK_TUPLE_SIZE = sock_tuple.size;

export interface SockTuple {
  family: IpFamily;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
}

/** the meaning of a decoded `struct sock_tuple` (a generated layout's nested `t`) */
export function sockTuple(t: sock_tuple): SockTuple {
  const family: IpFamily = t.family === AF_INET6 ? 6 : 4;
  return { family, lport: t.lport, rport: t.rport, laddr: formatAddr(family, t.laddr), raddr: formatAddr(family, t.raddr) };
}

export function decodeSockTuple(b: Uint8Array, off = 0): SockTuple {
  return sockTuple(sock_tuple.decode(Buffer.from(b.buffer, b.byteOffset, b.byteLength), off));
}

/** `10.0.0.1:443`, `[2001:db8::1]:443` */
export function formatEndpoint(family: IpFamily, addr: string, port: number): string {
  return family === 6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}
