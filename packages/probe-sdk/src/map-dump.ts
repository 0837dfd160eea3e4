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
