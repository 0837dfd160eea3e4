import { describe, expect, it } from 'vitest';
import { decodeScalar, layout, mapDumpOf, sideSize } from './layout.js';
import { listen_key } from './layout.gen.js';

describe('scalar map sides', () => {
  it('sizes a layout and a scalar kind', () => {
    expect([sideSize(listen_key), sideSize('u32'), sideSize('u64'), sideSize('x64'), sideSize('u8')]).toEqual([listen_key.size, 4, 8, 8, 1]);
  });

  it('decodes what mapDumpOf encodes, at an offset too', () => {
    const d = mapDumpOf('u32', 'u64', [
      [40, 2 ** 40 + 3],
      [7, 1],
    ]);
    expect([decodeScalar('u32', d.keys), decodeScalar('u32', d.keys, 4)]).toEqual([40, 7]);
    expect([decodeScalar('u64', d.values), decodeScalar('u64', d.values, 8)]).toEqual([2 ** 40 + 3, 1]);
    expect(decodeScalar('x64', Buffer.from('ffffffff81a3c0d1', 'hex').reverse())).toBe(0xffffffff81a3c0d1n);
    expect(decodeScalar('s32', mapDumpOf('s32', 'u8', [[-17, 0]]).keys)).toBe(-17);
  });

  it('refuses a buffer too short', () => {
    expect(() => decodeScalar('u64', Buffer.alloc(4))).toThrow(/u64 is 8 bytes, got 4/);
    expect(() => decodeScalar('u8', Buffer.alloc(1), 1)).toThrow(RangeError);
  });
});

describe('encode', () => {
  it('writes a u64 number field from a bigint exactly (~0), and number arrays from bigints', () => {
    const l = layout<{ min: number; slots: number[] }>('t', 24, [['min', 0, 'u64'], ['slots', 8, 'u64', 2]]);
    const b = l.encode({ min: 2n ** 64n - 1n, slots: [3n, 4] });
    expect(decodeScalar('x64', b)).toBe(2n ** 64n - 1n);
    expect(l.decode(b).slots).toEqual([3, 4]);
  });
});
