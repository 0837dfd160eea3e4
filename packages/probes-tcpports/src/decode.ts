/**
 * Decoding of bpf/tcpports.bpf.c's pass output and `remotes` map (layouts in bpf/tcpports.h):
 *
 *   struct tcpports_summary { __u64 gen, sockets, states[16], eph_sockets, eph_ports_used,
 *                             eph_port_max, remotes_missed; __u32 port_lo, port_hi;
 *                             __u64 owners_missed; }                                        192 bytes
 *   struct tcpports_remote  { __u16 family, port; __u8 addr[16]; }                          20 bytes -> __u64
 *   owners: __u64 cgroup id -> struct tcpports_owner { __u64 sockets, eph_sockets; }        8 -> 16 bytes
 */
import {
  afToFamily,
  checkMapSizes,
  formatAddr,
  mapEntries,
  ProbeLoadError,
  readU16,
  readU32,
  readU64Num,
  tcpStateName,
  type IpFamily,
  type MapDump,
  type Owner,
} from '@sonde/probe-sdk';

export const STATES = 16;
export const SUMMARY_SIZE = 8 * (2 + STATES + 4) + 8 + 8;
export const REMOTE_KEY_SIZE = 20;

export interface RawSummary {
  gen: number;
  sockets: number;
  /** by state number */
  states: number[];
  ephSockets: number;
  ephPortsUsed: number;
  ephPortMax: number;
  remotesMissed: number;
  portLo: number;
  portHi: number;
  ownersMissed: number;
}

export function decodeSummary(b: Buffer): RawSummary {
  // the iterator writes the summary once, at the end of the pass: it is the whole output
  if (b.length !== SUMMARY_SIZE) {
    throw new ProbeLoadError(`tcpports: iterator wrote ${b.length} bytes, expected one ${SUMMARY_SIZE}-byte summary`, 'read');
  }
  const u64 = (i: number) => readU64Num(b, 8 * i);
  return {
    gen: u64(0),
    sockets: u64(1),
    states: Array.from({ length: STATES }, (_, i) => u64(2 + i)),
    ephSockets: u64(2 + STATES),
    ephPortsUsed: u64(3 + STATES),
    ephPortMax: u64(4 + STATES),
    remotesMissed: u64(5 + STATES),
    portLo: readU32(b, 8 * (6 + STATES)),
    portHi: readU32(b, 8 * (6 + STATES) + 4),
    ownersMissed: u64(7 + STATES),
  };
}

/** sockets per state name, states with none left out: `{ ESTABLISHED: 3, LISTEN: 1 }` */
export function stateCounts(states: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  states.forEach((n, i) => {
    if (n > 0) out[tcpStateName(i)] = n;
  });
  return out;
}

export interface RemoteEndpoint {
  family: IpFamily;
  addr: string;
  port: number;
  /** connections to it from ephemeral local ports */
  connections: number;
}

export function decodeRemotes(dump: MapDump): RemoteEndpoint[] {
  checkMapSizes('tcpports', 'remotes', dump, REMOTE_KEY_SIZE, 8);
  const out: RemoteEndpoint[] = [];
  for (const { key: k, value: v } of mapEntries(dump)) {
    const family = afToFamily(readU16(k, 0)) ?? 4;
    out.push({ family, port: readU16(k, 2), addr: formatAddr(family, k.subarray(4, 20)), connections: readU64Num(v, 0) });
  }
  return out.sort((a, b) => b.connections - a.connections || a.port - b.port || a.addr.localeCompare(b.addr));
}

export interface OwnerSockets {
  /** the sockets' cgroup v2 id (decimal): the control plane attaches its `owner`; '0': time-wait sockets and sockets with no cgroup */
  cgroup: string;
  owner?: Owner;
  sockets: number;
  /** sockets on a local port in the ephemeral range */
  ephemeralSockets: number;
}

export function decodeOwners(dump: MapDump): OwnerSockets[] {
  checkMapSizes('tcpports', 'owners', dump, 8, 16);
  const out: OwnerSockets[] = [];
  for (const { key: k, value: v } of mapEntries(dump)) {
    out.push({ cgroup: k.readBigUInt64LE(0).toString(), sockets: readU64Num(v, 0), ephemeralSockets: readU64Num(v, 8) });
  }
  return out.sort((a, b) => b.ephemeralSockets - a.ephemeralSockets || b.sockets - a.sockets || a.cgroup.localeCompare(b.cgroup));
}
