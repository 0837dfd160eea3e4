/**
 * bpf/include/sock.h's `struct sock_tuple` (40 bytes: family u16, lport u16, rport u16, pad u16,
 * laddr[16], raddr[16]; ports host order, addresses network order) as map keys and events carry it.
 */
import { formatAddr, type IpFamily } from './address.js';
import { AF_INET6 } from './filters.js';

export const SOCK_TUPLE_SIZE = 40;

export interface SockTuple {
  family: IpFamily;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
}

export function decodeSockTuple(b: Uint8Array, off = 0): SockTuple {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const family: IpFamily = buf.readUInt16LE(off) === AF_INET6 ? 6 : 4;
  return {
    family,
    lport: buf.readUInt16LE(off + 2),
    rport: buf.readUInt16LE(off + 4),
    laddr: formatAddr(family, buf.subarray(off + 8, off + 24)),
    raddr: formatAddr(family, buf.subarray(off + 24, off + 40)),
  };
}

/** `10.0.0.1:443`, `[2001:db8::1]:443` */
export function formatEndpoint(family: IpFamily, addr: string, port: number): string {
  return family === 6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}
