import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AF_INET,
  AF_INET6,
  addrFilterGlobals,
  afToFamily,
  cidr,
  encodeAddrFilter,
  encodePorts,
  family,
  familyGlobal,
  portFilterGlobals,
  portList,
  readU16,
  readU32,
  readU64,
  readU64Array,
  readU64Num,
  readU8,
} from './filters.js';

const issues = (schema: z.ZodType, v: unknown) => {
  const r = schema.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe('portList', () => {
  it('normalises one port or a list to number[]', () => {
    expect(portList.parse(443)).toEqual([443]);
    expect(portList.parse([80, 443, 80])).toEqual([80, 443]);
    expect(portList.parse([])).toEqual([]);
  });

  it('rejects out-of-range ports and lists longer than the kernel holds', () => {
    expect(issues(portList, 0)).toEqual(['port 0 is not an integer 1..65535']);
    expect(issues(portList, [80, 70000])).toEqual(['port 70000 is not an integer 1..65535']);
    expect(issues(portList, 8.5)).toEqual(['port 8.5 is not an integer 1..65535']);
    expect(issues(portList, [1, 2, 3, 4, 5, 6, 7, 8, 9]).join()).toMatch(/at most 8 ports/);
    expect(issues(portList, '80')).toEqual(['expected a port 1..65535 or an array of up to 8 ports']);
  });
});

describe('cidr and family', () => {
  it('accepts addresses and networks of both families', () => {
    for (const s of ['10.0.0.0/8', '127.0.0.1', '::1', '2001:db8::/32']) expect(cidr.parse(s)).toBe(s);
  });

  it('explains what is wrong', () => {
    expect(issues(cidr, '10.0.0.300')).toEqual(["invalid IPv4 address or CIDR '10.0.0.300': 300 is larger than 255"]);
    expect(issues(cidr, '2001:db8::/200')[0]).toMatch(/exceeds 128/);
  });

  it('family is 4 or 6', () => {
    expect(family.parse(6)).toBe(6);
    expect(issues(family, 5)).toEqual(['family is 4 or 6']);
  });
});

describe('encoders for the rodata globals', () => {
  it('writes ports as little-endian u16, zero padded', () => {
    expect(Array.from(encodePorts([80, 443]))).toEqual([80, 0, 0xbb, 0x01, ...new Array(12).fill(0)]);
    expect(encodePorts(undefined)).toEqual(new Uint8Array(16));
    expect(encodePorts([1, 2], 2)).toHaveLength(4);
    expect(() => encodePorts([1, 2, 3], 2)).toThrow(/at most 2 ports/);
  });

  it('encodes an address filter as bytes, prefix and AF_*', () => {
    const v4 = encodeAddrFilter('10.1.0.0/16');
    expect(Array.from(v4.addr.subarray(0, 5))).toEqual([10, 1, 0, 0, 0]);
    expect(v4).toMatchObject({ prefix: 16, family: AF_INET });
    const v6 = encodeAddrFilter('::1');
    expect(v6.addr[15]).toBe(1);
    expect(v6).toMatchObject({ prefix: 128, family: AF_INET6 });
    expect(encodeAddrFilter(undefined)).toEqual({ addr: new Uint8Array(16), prefix: 0, family: 0 });
  });

  it('names globals after the bpf/include/filters.h convention', () => {
    expect(portFilterGlobals('lports', [22])).toEqual({ targ_lports: encodePorts([22]), targ_lports_cnt: 1 });
    expect(portFilterGlobals('rports', undefined)).toEqual({ targ_rports: new Uint8Array(16), targ_rports_cnt: 0 });
    const g = addrFilterGlobals('raddr', '192.168.0.0/24');
    expect(Object.keys(g).sort()).toEqual(['targ_raddr', 'targ_raddr_family', 'targ_raddr_prefix']);
    expect(g.targ_raddr_family).toBe(2);
    expect(familyGlobal(6)).toEqual({ targ_family: 10 });
    expect(familyGlobal(undefined)).toEqual({ targ_family: 0 });
    expect([afToFamily(2), afToFamily(10), afToFamily(1)]).toEqual([4, 6, null]);
  });
});

describe('little-endian readers', () => {
  it('read at offsets of a Buffer slice', () => {
    const buf = Buffer.alloc(32);
    buf.writeUInt8(7, 1);
    buf.writeUInt16LE(0xbeef, 2);
    buf.writeUInt32LE(0xdeadbeef, 4);
    buf.writeBigUInt64LE(2n ** 63n + 5n, 8);
    buf.writeBigUInt64LE(9n, 16);
    const view = buf.subarray(0); // same offsets, another view
    expect(readU8(view, 1)).toBe(7);
    expect(readU16(view, 2)).toBe(0xbeef);
    expect(readU32(view, 4)).toBe(0xdeadbeef);
    expect(readU64(view, 8)).toBe(2n ** 63n + 5n);
    expect(readU64Num(view, 16)).toBe(9);
    expect(readU64Array(buf.subarray(8), 0, 2)).toEqual([2n ** 63n + 5n, 9n]);
  });
});
