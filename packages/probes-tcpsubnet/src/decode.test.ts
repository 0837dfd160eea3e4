import { describe, expect, it } from 'vitest';
import { mapDumpOf } from '@sonde/probe-sdk';
import { decodeSubnets, deltaSubnets, inUnit } from './decode.js';
import { subnet_key, subnet_val } from './layout.gen.js';
import { MAX_SUBNETS } from './params.js';

/** an ARRAY map dump: every slot 0..MAX_SUBNETS, value struct subnet_val { bytes, sends } (generated layout) */
function dump(slots: Record<number, [number, number]>, valueSize = subnet_val.size) {
  const rows = Array.from({ length: MAX_SUBNETS + 1 }, (_, i) => {
    const [bytes, sends] = slots[i] ?? [0, 0];
    return [i, { bytes, sends }] as const;
  });
  return { ...mapDumpOf('u32', subnet_val, rows), valueSize };
}

const LIST = ['127.0.0.1/32', '10.0.0.0/8', '0.0.0.0/0'];

describe('decodeSubnets + deltaSubnets', () => {
  it.each([
    {
      name: 'slots of the list and the no-match slot, most bytes first; slots past the list ignored',
      slots: { 0: [36, 2], 2: [156, 1], 5: [999, 9], [MAX_SUBNETS]: [80, 1] } as Record<number, [number, number]>,
      want: [
        { subnet: '0.0.0.0/0', index: 2, cgroup: '0', bytes: 156, sends: 1 },
        { subnet: null, index: MAX_SUBNETS, cgroup: '0', bytes: 80, sends: 1 },
        { subnet: '127.0.0.1/32', index: 0, cgroup: '0', bytes: 36, sends: 2 },
      ],
    },
    { name: 'no traffic', slots: {}, want: [] },
  ])('$name', ({ slots, want }) => {
    expect(deltaSubnets(decodeSubnets(dump(slots), LIST), undefined)).toEqual(want);
  });

  it('reports what an interval added', () => {
    const t1 = decodeSubnets(dump({ 0: [100, 1], 1: [50, 1] }), LIST);
    const t2 = decodeSubnets(dump({ 0: [100, 1], 1: [1074, 3] }), LIST);
    expect(deltaSubnets(t2, t1)).toEqual([{ subnet: '10.0.0.0/8', index: 1, cgroup: '0', bytes: 1024, sends: 2 }]);
  });

  it('keeps one row per subnet and sending cgroup when grouping by owner (the hash keyed by struct subnet_key)', () => {
    const both = mapDumpOf(subnet_key, subnet_val, [
      [{ slot: 1, cgroup: 4343n }, { bytes: 100, sends: 1 }],
      [{ slot: 1, cgroup: 4242n }, { bytes: 300, sends: 3 }],
    ]);
    expect(deltaSubnets(decodeSubnets(both, LIST, true), undefined)).toEqual([
      { subnet: '10.0.0.0/8', index: 1, cgroup: '4242', bytes: 300, sends: 3 },
      { subnet: '10.0.0.0/8', index: 1, cgroup: '4343', bytes: 100, sends: 1 },
    ]);
  });

  it('refuses a map whose layout is not the one it knows', () => {
    expect(() => decodeSubnets(dump({}, 8), LIST)).toThrow(/expected 4\/16/);
    expect(() => decodeSubnets(dump({}), LIST, true)).toThrow(/expected 16\/16/);
  });
});

describe('inUnit', () => {
  it.each([
    ['B', 1536, 1536],
    ['K', 1536, 1.5],
    ['M', 3 * 1024 * 1024, 3],
    ['b', 10, 80],
    ['k', 1024, 8],
    ['m', 1024 * 1024, 8],
  ] as const)('%s: %d bytes -> %d', (u, bytes, v) => {
    expect(inUnit(bytes, u)).toBe(v);
  });
});
