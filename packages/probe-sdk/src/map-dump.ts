/**
 * Walking a MapDump (every entry of a BPF map, read with one batch lookup): the check that the
 * loaded object's map has the layout the decoder was written for, and its entries as key/value views.
 */
import { ProbeLoadError } from './errors.js';
import type { MapDump } from './kernel.js';

export interface MapEntry {
  /** bytes keySize of the entry's key: a view into dump.keys, not a copy */
  key: Buffer;
  /** bytes valueSize of the entry's value: a view into dump.values, not a copy */
  value: Buffer;
}

/** the dump's entries in map order, as views into its keys and values buffers */
export function* mapEntries(dump: MapDump): Generator<MapEntry, void, undefined> {
  const { keys, values, keySize, valueSize } = dump;
  for (let i = 0; i < dump.count; i++) {
    yield { key: keys.subarray(i * keySize, (i + 1) * keySize), value: values.subarray(i * valueSize, (i + 1) * valueSize) };
  }
}

/**
 * Refuse a map whose key/value sizes are not the decoder's (bpf/<probe>.h and decode.ts disagree,
 * e.g. a stale .bpf.o): a ProbeLoadError at the read stage naming the probe and the map.
 */
export function checkMapSizes(probe: string, map: string, dump: MapDump, keySize: number, valueSize: number): void {
  if (dump.keySize !== keySize || dump.valueSize !== valueSize) {
    throw new ProbeLoadError(
      `${probe}: ${map} map has key/value sizes ${dump.keySize}/${dump.valueSize}, expected ${keySize}/${valueSize}: object and decoder disagree`,
      'read',
    );
  }
}

/**
 * A per-CPU map's dump folded into one value per key: each value's u64 fields summed over the CPUs
 * (counters and histograms kept per CPU to spare the kernel atomics). Values must be made of u64s.
 * A dump that is not per-CPU is returned as it is.
 */
export function sumPerCpu(dump: MapDump): MapDump {
  const cpus = dump.cpus ?? 1;
  if (cpus <= 1) return dump;
  const size = dump.valueSize / cpus;
  if (!Number.isInteger(size) || size % 8 !== 0) {
    throw new ProbeLoadError(`per-CPU value of ${dump.valueSize} bytes over ${cpus} CPUs is not made of u64s`, 'read');
  }
  const values = Buffer.alloc(dump.count * size);
  for (let i = 0; i < dump.count; i++) {
    for (let f = 0; f < size; f += 8) {
      let sum = 0n;
      for (let c = 0; c < cpus; c++) sum += dump.values.readBigUInt64LE(i * dump.valueSize + c * size + f);
      values.writeBigUInt64LE(BigInt.asUintN(64, sum), i * size + f);
    }
  }
  return { ...dump, values, valueSize: size, cpus: 1 };
}
