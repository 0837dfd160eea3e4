import { describe, expect, it } from 'vitest';
import { ProbeLoadError } from './errors.js';
import type { MapDump } from './kernel.js';
import { checkMapSizes, mapEntries, sumPerCpu } from './map-dump.js';

function dump(count: number, keySize: number, valueSize: number): MapDump {
  const keys = Buffer.alloc(count * keySize);
  const values = Buffer.alloc(count * valueSize);
  for (let i = 0; i < count; i++) {
    keys.fill(0x10 + i, i * keySize, (i + 1) * keySize);
    values.fill(0xa0 + i, i * valueSize, (i + 1) * valueSize);
  }
  return { keys, values, count, keySize, valueSize };
}

describe('mapEntries', () => {
  it('yields each entry as key/value views of the dump', () => {
    const d = dump(3, 4, 8);
    const es = [...mapEntries(d)];
    expect(es.map((e) => [e.key.toString('hex'), e.value.toString('hex')])).toEqual([
      ['10101010', 'a0a0a0a0a0a0a0a0'],
      ['11111111', 'a1a1a1a1a1a1a1a1'],
      ['12121212', 'a2a2a2a2a2a2a2a2'],
    ]);
    es[1]!.value.writeUInt8(0xff, 0); // a view, not a copy
    expect(d.values[8]).toBe(0xff);
  });

  it('yields nothing for an empty map and stops at count (buffers may be larger)', () => {
    expect([...mapEntries(dump(0, 4, 8))]).toEqual([]);
    expect([...mapEntries({ ...dump(3, 4, 8), count: 2 })]).toHaveLength(2);
  });
});

describe('checkMapSizes', () => {
  it('passes matching sizes and refuses others with a read-stage ProbeLoadError', () => {
    expect(() => checkMapSizes('tcpx', 'flows', dump(0, 40, 16), 40, 16)).not.toThrow();
    let err: unknown;
    try {
      checkMapSizes('tcpx', 'flows', dump(1, 40, 8), 40, 16);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProbeLoadError);
    expect((err as ProbeLoadError).stage).toBe('read');
    expect((err as Error).message).toBe('tcpx: flows map has key/value sizes 40/8, expected 40/16: object and decoder disagree');
  });
});

describe('sumPerCpu', () => {
  it('sums every u64 field over the CPUs, key by key', () => {
    // 2 keys, 3 CPUs, values of two u64s
    const values = Buffer.alloc(2 * 3 * 16);
    const put = (k: number, cpu: number, f: number, v: bigint) => values.writeBigUInt64LE(v, k * 48 + cpu * 16 + f * 8);
    put(0, 0, 0, 1n);
    put(0, 2, 0, 2n);
    put(0, 1, 1, 7n);
    put(1, 2, 1, 2n ** 40n);
    const keys = Buffer.from([0, 0, 0, 0, 1, 0, 0, 0]);
    const out = sumPerCpu({ keys, values, count: 2, keySize: 4, valueSize: 48, cpus: 3 });
    expect(out.valueSize).toBe(16);
    expect(out.cpus).toBe(1);
    expect([...mapEntries(out)].map((e) => [e.value.readBigUInt64LE(0), e.value.readBigUInt64LE(8)])).toEqual([
      [3n, 7n],
      [0n, 2n ** 40n],
    ]);
  });

  it('leaves a dump that is not per-CPU as it is', () => {
    const d: MapDump = { keys: Buffer.alloc(4), values: Buffer.alloc(8), count: 1, keySize: 4, valueSize: 8 };
    expect(sumPerCpu(d)).toBe(d);
  });

  it('refuses values that are not made of u64s', () => {
    expect(() => sumPerCpu({ keys: Buffer.alloc(4), values: Buffer.alloc(24), count: 1, keySize: 4, valueSize: 24, cpus: 2 })).toThrow(/u64/);
  });
});
