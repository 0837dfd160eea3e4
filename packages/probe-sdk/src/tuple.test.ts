import { describe, expect, it } from 'vitest';
import { decodeSockTuple, formatEndpoint, SOCK_TUPLE_SIZE } from './tuple.js';

describe('decodeSockTuple', () => {
  it.each([
    {
      name: 'IPv4 at an offset',
      off: 8,
      bytes: [2, 0, 0x50, 0, 0x39, 0x30, 0, 0, 127, 0, 0, 1, ...new Array(12).fill(0), 10, 231, 7, 2, ...new Array(12).fill(0)],
      want: { family: 4, lport: 80, rport: 12345, laddr: '127.0.0.1', raddr: '10.231.7.2' },
    },
    {
      name: 'IPv6',
      off: 0,
      bytes: [10, 0, 0xbb, 1, 1, 0, 0, 0, ...new Array(15).fill(0), 1, 0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 5],
      want: { family: 6, lport: 443, rport: 1, laddr: '::1', raddr: '2001:db8::5' },
    },
  ])('$name', ({ off, bytes, want }) => {
    const b = Buffer.alloc(off + SOCK_TUPLE_SIZE, 0xee);
    Buffer.from(bytes).copy(b, off);
    expect(decodeSockTuple(b, off)).toEqual(want);
  });

  it('formats endpoints', () => {
    expect(formatEndpoint(4, '10.0.0.1', 80)).toBe('10.0.0.1:80');
    expect(formatEndpoint(6, '::1', 443)).toBe('[::1]:443');
  });
});
