import { describe, expect, it } from 'vitest';
import { encodeGlobal } from './globals.js';

describe('encodeGlobal', () => {
  it.each([
    [443, 2, [0xbb, 0x01]],
    [1, 1, [1]],
    [true, 1, [1]],
    [false, 4, [0, 0, 0, 0]],
    [0x01020304, 4, [4, 3, 2, 1]],
    [-1, 4, [255, 255, 255, 255]],
    [2n ** 40n, 8, [0, 0, 0, 0, 0, 1, 0, 0]],
  ] as const)('%s in %d bytes', (value, size, bytes) => {
    expect([...encodeGlobal('g', value, size)]).toEqual(bytes);
  });

  it('pads byte arrays and refuses oversize values', () => {
    expect([...encodeGlobal('g', new Uint8Array([1, 2]), 4)]).toEqual([1, 2, 0, 0]);
    expect(() => encodeGlobal('g', new Uint8Array(5), 4)).toThrow(/holds 4 bytes/);
    expect(() => encodeGlobal('g', 70000, 2)).toThrow(/does not fit/);
  });
});
