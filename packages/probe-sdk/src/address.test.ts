import { describe, expect, it } from 'vitest';
import { canonicalIp, cidrContains, formatAddr, formatCidr, parseCidr, parseIp } from './address.js';

const bytes = (...b: number[]) => {
  const out = new Uint8Array(16);
  out.set(b);
  return out;
};
const hex = (a: Uint8Array) => Buffer.from(a).toString('hex');

describe('formatAddr', () => {
  it('formats IPv4 from the first 4 bytes', () => {
    expect(formatAddr(4, bytes(192, 168, 1, 10))).toBe('192.168.1.10');
  });

  it.each([
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'], // first of two equal runs
    ['20010db8000100010001000100010001', '2001:db8:1:1:1:1:1:1'],
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'], // one zero group stays
    ['fe800000000000000202b3fffe1e8329', 'fe80::202:b3ff:fe1e:8329'],
    ['00000000000000000000ffff0a000001', '::ffff:10.0.0.1'],
    ['20010db8000000000000000000000000', '2001:db8::'],
  ])('compresses %s as %s (RFC 5952)', (h, text) => {
    expect(formatAddr(6, Uint8Array.from(Buffer.from(h, 'hex')))).toBe(text);
  });

  it('rejects short buffers and unknown families', () => {
    expect(() => formatAddr(6, new Uint8Array(4))).toThrow(/16 bytes/);
    expect(() => formatAddr(5 as 4, new Uint8Array(16))).toThrow(/family 5/);
  });
});

describe('canonicalIp', () => {
  it.each([
    ['10.244.1.5', '10.244.1.5'],
    ['FD00:96:0:0:0:0:0:1234', 'fd00:96::1234'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:10.244.1.5', '10.244.1.5'],
    ['not-an-ip', 'not-an-ip'],
  ])('%s -> %s', (given, want) => {
    expect(canonicalIp(given)).toBe(want);
  });
});

describe('parseCidr', () => {
  it('takes a plain IPv4 address with the full prefix', () => {
    expect(parseCidr('10.1.2.3')).toEqual({ family: 4, addr: bytes(10, 1, 2, 3), prefix: 32 });
  });

  it('clears host bits of an IPv4 CIDR', () => {
    expect(parseCidr(' 10.1.2.3/8 ')).toEqual({ family: 4, addr: bytes(10), prefix: 8 });
    expect(parseCidr('192.168.77.1/20')).toEqual({ family: 4, addr: bytes(192, 168, 64, 0), prefix: 20 });
    expect(parseCidr('0.0.0.0/0').prefix).toBe(0);
  });

  it.each([
    ['::1', '00000000000000000000000000000001', 128],
    ['::', '00000000000000000000000000000000', 128],
    ['2001:db8::/32', '20010db8000000000000000000000000', 32],
    ['2001:DB8:0:0:8:800:200C:417A', '20010db80000000000080800200c417a', 128],
    ['ff01::101', 'ff010000000000000000000000000101', 128],
    ['fe80::/10', 'fe800000000000000000000000000000', 10],
    ['1::', '00010000000000000000000000000000', 128],
    ['1:2:3:4:5:6:7::', '00010002000300040005000600070000', 128],
    ['::2:3:4:5:6:7:8', '00000002000300040005000600070008', 128],
    ['64:ff9b::192.0.2.33', '0064ff9b0000000000000000c0000221', 128],
    ['2001:db8:abcd:12ff::1/56', '20010db8abcd12000000000000000000', 56],
  ])('parses IPv6 %s', (s, h, prefix) => {
    const c = parseCidr(s);
    expect(c.family).toBe(6);
    expect(hex(c.addr)).toBe(h);
    expect(c.prefix).toBe(prefix);
  });

  it('turns v4-mapped IPv6 into IPv4, as the kernel side reports those sockets', () => {
    expect(parseCidr('::ffff:10.0.0.1')).toEqual({ family: 4, addr: bytes(10, 0, 0, 1), prefix: 32 });
    expect(parseCidr('::ffff:10.0.0.0/104')).toEqual({ family: 4, addr: bytes(10), prefix: 8 });
  });

  it.each([
    ['', /empty/],
    ['10.0.0', /4 dot-separated/],
    ['10.0.0.256', /larger than 255/],
    ['10.0.0.01', /leading zeros/],
    ['10.0.0.1/33', /exceeds 32/],
    ['10.0.0.1/', /not a number/],
    ['10.0.0.1/8/8', /more than one/],
    ['10.0.0.1/-1', /not a number/],
    ['host.example', /4 dot-separated/],
    ['a.b.c.d', /'a' is not a decimal/],
    ['1::2::3', /only once/],
    ['1:2:3:4:5:6:7:8:9', /8 groups, got 9/],
    ['1:2:3:4:5:6:7', /8 groups, got 7/],
    ['12345::', /1-4 hex digits/],
    ['::g', /'g' is not a group/],
    [':1:2:3:4:5:6:7', /empty group/],
    ['fe80::1%eth0', /zone ids/],
    ['2001:db8::/129', /exceeds 128/],
    ['1.2.3.4::', /'1.2.3.4' is not a group/],
    ['1:2:3:4:5:6:7::8', /too many groups/],
  ])('rejects %j with a clear message', (s, why) => {
    expect(() => parseCidr(s)).toThrow(why);
    expect(() => parseCidr(s)).toThrow(/^invalid IPv[46] address or CIDR '/);
  });

  it('round-trips through formatCidr', () => {
    for (const s of ['10.0.0.0/8', '192.168.1.1', '2001:db8::/32', '::1', 'fe80::202:b3ff:fe1e:8329']) {
      expect(formatCidr(parseCidr(s))).toBe(s);
    }
  });

  it('parseIp refuses a prefix', () => {
    expect(parseIp('::1')).toEqual({ family: 6, addr: bytes(...new Array(15).fill(0), 1) });
    expect(() => parseIp('10.0.0.0/8')).toThrow(/prefix length is not allowed/);
  });
});

describe('cidrContains', () => {
  it('matches like the kernel filter does', () => {
    const net = parseCidr('192.168.64.0/20');
    expect(cidrContains(net, 4, bytes(192, 168, 79, 255))).toBe(true);
    expect(cidrContains(net, 4, bytes(192, 168, 80, 0))).toBe(false);
    expect(cidrContains(net, 6, bytes(192, 168, 64, 1))).toBe(false);
    expect(cidrContains(parseCidr('::/0'), 6, bytes(0x20, 1))).toBe(true);
    expect(cidrContains(parseCidr('2001:db8::/33'), 6, parseCidr('2001:db8:8000::1').addr)).toBe(false);
  });
});
