/**
 * Decoding of the `subnet_bytes` array of bpf/tcpsubnet.bpf.c (bpf/tcpsubnet.h): key __u32 slot,
 * value struct subnet_val { __u64 bytes, sends; } (16 bytes). Slot i is subnet i of the list,
 * slot MAX_SUBNETS counts sends that matched no subnet.
 */
import { checkMapSizes, deltaRows, mapEntries, readU32, readU64Num, type MapDump } from '@sonde/probe-sdk';
import { MAX_SUBNETS, UNITS, type UnitLetter } from './params.js';

export const VALUE_SIZE = 16;

export interface SubnetCount {
  /** the subnet as given (normalised), or null for traffic that matched none */
  subnet: string | null;
  /** position in the list (MAX_SUBNETS for "no match") */
  index: number;
  bytes: number;
  sends: number;
}

export function decodeSubnets(dump: MapDump, subnets: readonly string[]): Map<string, SubnetCount> {
  checkMapSizes('tcpsubnet', 'subnet_bytes', dump, 4, VALUE_SIZE);
  const out = new Map<string, SubnetCount>();
  for (const { key, value: v } of mapEntries(dump)) {
    const index = readU32(key, 0);
    if (index !== MAX_SUBNETS && index >= subnets.length) continue;
    out.set(String(index), { subnet: index === MAX_SUBNETS ? null : subnets[index]!, index, bytes: readU64Num(v, 0), sends: readU64Num(v, 8) });
  }
  return out;
}

/** what each subnet added since `before`; subnets without traffic dropped; most bytes first */
export function deltaSubnets(now: ReadonlyMap<string, SubnetCount>, before: ReadonlyMap<string, SubnetCount> | undefined): SubnetCount[] {
  return deltaRows(now, before, ['bytes', 'sends']).sort((a, b) => b.bytes - a.bytes || a.index - b.index);
}

/** bytes in the unit of upstream -f (bits = bytes x 8, K = /1024, M = /1024^2) */
export function inUnit(bytes: number, unit: UnitLetter): number {
  const bits = unit === 'b' || unit === 'k' || unit === 'm' ? 8 : 1;
  const div = unit === 'k' || unit === 'K' ? 1024 : unit === 'm' || unit === 'M' ? 1024 * 1024 : 1;
  return Math.round(((bytes * bits) / div) * 1000) / 1000;
}

export const unitName = (u: UnitLetter) => UNITS[u];
