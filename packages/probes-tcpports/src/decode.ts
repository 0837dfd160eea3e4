/**
 * What bpf/tcpports.bpf.c's pass output (`struct tcpports_summary`, the iterator's whole output) and its
 * `remotes` (`struct tcpports_remote` -> connections) and `owners` (cgroup id -> `struct tcpports_owner`)
 * maps mean (bpf/tcpports.h). Layouts: layout.gen.ts.
 */
import { afToFamily, checkMapSizes, decodeScalar, formatAddr, mapEntries, ProbeLoadError, sideSize, tcpStateName, type IpFamily, type MapDump, type Owner } from '@sonde/probe-sdk';
import { maps, tcpports_owner, tcpports_remote, tcpports_summary } from './layout.gen.js';

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
  if (b.length !== tcpports_summary.size) {
    throw new ProbeLoadError(`tcpports: iterator wrote ${b.length} bytes, expected one ${tcpports_summary.size}-byte summary`, 'read');
  }
  const s = tcpports_summary.decode(b);
  return {
    gen: s.gen,
    sockets: s.sockets,
    states: s.states,
    ephSockets: s.eph_sockets,
    ephPortsUsed: s.eph_ports_used,
    ephPortMax: s.eph_port_max,
    remotesMissed: s.remotes_missed,
    portLo: s.port_lo,
    portHi: s.port_hi,
    ownersMissed: s.owners_missed,
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
  checkMapSizes('tcpports', 'remotes', dump, tcpports_remote.size, sideSize(maps.remotes.value));
  const out: RemoteEndpoint[] = [];
  for (const { key, value } of mapEntries(dump)) {
    const k = tcpports_remote.decode(key);
    const family = afToFamily(k.family) ?? 4;
    out.push({ family, port: k.port, addr: formatAddr(family, k.addr), connections: decodeScalar(maps.remotes.value, value) });
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
  checkMapSizes('tcpports', 'owners', dump, sideSize(maps.owners.key), tcpports_owner.size);
  const out: OwnerSockets[] = [];
  for (const { key, value } of mapEntries(dump)) {
    const v = tcpports_owner.decode(value);
    // the key is a cgroup v2 id (a __u64 map key): read exact, as a sonde_id_t would be
    out.push({ cgroup: decodeScalar('x64', key).toString(), sockets: v.sockets, ephemeralSockets: v.eph_sockets });
  }
  return out.sort((a, b) => b.ephemeralSockets - a.ephemeralSockets || b.sockets - a.sockets || a.cgroup.localeCompare(b.cgroup));
}
