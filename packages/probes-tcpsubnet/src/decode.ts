/**
 * What the maps of bpf/tcpsubnet.bpf.c mean: `subnet_bytes` (an array, key: slot) or, when grouping by
 * owner, `subnet_owner_bytes` (a hash, key: `struct subnet_key` — slot and the sending socket's cgroup);
 * values `struct subnet_val` (bpf/tcpsubnet.h). Slot i is subnet i of the list, slot MAX_SUBNETS counts
 * sends that matched no subnet. Layouts: layout.gen.ts.
 */
import { checkMapSizes, decodeScalar, deltaRows, mapEntries, sideSize, type MapDump } from '@sonde/probe-sdk';
import { maps, subnet_key, subnet_val } from './layout.gen.js';
import { MAX_SUBNETS, UNITS, type UnitLetter } from './params.js';

export interface SubnetCount {
  /** the subnet as given (normalised), or null for traffic that matched none */
  subnet: string | null;
  /** position in the list (MAX_SUBNETS for "no match") */
  index: number;
  /** the sending socket's cgroup v2 id when grouping by owner, else '0' */
  cgroup: string;
  bytes: number;
  sends: number;
}

/** `subnet_bytes` (byOwner false) or `subnet_owner_bytes` (true), keyed `slot/cgroup` (cgroup '0' without owners) */
export function decodeSubnets(dump: MapDump, subnets: readonly string[], byOwner = false): Map<string, SubnetCount> {
  const map = byOwner ? 'subnet_owner_bytes' : 'subnet_bytes';
  checkMapSizes('tcpsubnet', map, dump, byOwner ? subnet_key.size : sideSize(maps.subnet_bytes.key), subnet_val.size);
  const out = new Map<string, SubnetCount>();
  for (const { key, value } of mapEntries(dump)) {
    const k = byOwner ? subnet_key.decode(key) : { slot: decodeScalar(maps.subnet_bytes.key, key), cgroup: 0n };
    const index = k.slot;
    if (index !== MAX_SUBNETS && index >= subnets.length) continue;
    const v = subnet_val.decode(value);
    const cgroup = k.cgroup.toString();
    out.set(`${index}/${cgroup}`, { subnet: index === MAX_SUBNETS ? null : subnets[index]!, index, cgroup, bytes: v.bytes, sends: v.sends });
  }
  return out;
}

/** what each subnet (and owner) added since `before`; those without traffic dropped; most bytes first */
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
