import { describe, expect, it } from 'vitest';
import { decodeSockTuple, formatEndpoint, SOCK_TUPLE_SIZE } from './tuple.js';

function tuple(af: number, lport: number, rport: number, laddr: number[], raddr: number[]): Buffer {
  const b = Buffer.alloc(SOCK_TUPLE_SIZE + 4, 0xee);
  b.writeUInt16LE(af, 4);
  b.writeUInt16LE(lport, 6);
  b.writeUInt16LE(rport, 8);
  b.fill(0, 12);
  Buffer.from(laddr).copy(b, 12);
  Buffer.from(raddr).copy(b, 28);
  return b;
}

describe('decodeSockTuple', () => {
  it('decodes IPv4 at an offset', () => {
    expect(decodeSockTuple(tuple(2, 7000, 40122, [127, 0, 0, 1], [10, 1, 2, 3]), 4)).toEqual({
      family: 4, lport: 7000, rport: 40122, laddr: '127.0.0.1', raddr: '10.1.2.3',
    });
  });
  it('decodes IPv6', () => {
    const v6 = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1];
    expect(decodeSockTuple(tuple(10, 443, 1, v6, [...new Array(15).fill(0), 1]), 4)).toMatchObject({
      family: 6, laddr: '2001:db8::1', raddr: '::1',
    });
  });
  it('formats endpoints', () => {
    expect(formatEndpoint(4, '10.0.0.1', 80)).toBe('10.0.0.1:80');
    expect(formatEndpoint(6, '::1', 80)).toBe('[::1]:80');
  });
});
