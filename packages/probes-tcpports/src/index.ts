/**
 * tcpports: the ephemeral-port question — how many TCP sockets in each state, how full
 * ip_local_port_range is, and which remote endpoints take the most connections — answered by one
 * BPF iterator pass over the socket tables, counting in the kernel. A snapshot, or a series.
 */
import { defineProbe, distFile, packageVersion, type LoadedBpf } from '@sonde/probe-sdk';
import { decodeOwners, decodeRemotes, decodeSummary, stateCounts, type OwnerSockets, type RemoteEndpoint } from './decode.js';
import { globalsFor, localPortRange, params, type TcpportsParams } from './params.js';
import { renderTcpports } from './render.js';
import { counters } from './counters.js';
import type { Names, Program } from './layout.gen.js';

export type { OwnerSockets, RemoteEndpoint } from './decode.js';
export { params, globalsFor, localPortRange, type TcpportsParams } from './params.js';

export interface PortsSnapshot {
  at: string;
  /** how long the pass (kernel walk + reads) took */
  tookMs: number;
  sockets: number;
  /** sockets per TCP state name (as the kernel names them: ESTABLISHED, TIME_WAIT, ...) */
  states: Record<string, number>;
  ephemeral: {
    range: [number, number];
    size: number;
    /** distinct local ports in the range bound by some socket */
    portsUsed: number;
    /** portsUsed / size, in percent */
    usedPct: number;
    /** sockets on a local port in the range (several may share one port) */
    sockets: number;
    /** most sockets sharing one local port in the range */
    maxPerPort: number;
  };
  /**
   * remote endpoints of connections from ephemeral local ports, most first; `rangePct` is how much
   * of the range one local address has used towards it (the 4-tuple limit: connections / size)
   */
  remotes: Array<RemoteEndpoint & { rangePct: number }>;
  remoteCount: number;
  /** connections whose remote endpoint did not fit the kernel map (16 384 endpoints) */
  remotesMissed: number;
  /**
   * sockets per owner (the socket's cgroup: a container, a pod, a systemd unit), most on ephemeral ports
   * first; time-wait sockets keep no cgroup and count under '0'
   */
  owners: OwnerSockets[];
  ownerCount: number;
  /** sockets whose owner did not fit the kernel map (4 096 owners) */
  ownersMissed: number;
}

export interface TcpportsData extends PortsSnapshot {
  /** with intervalMs: every snapshot, the last one also being the top-level fields */
  series?: PortsSnapshot[];
}

const pct = (n: number, d: number) => (d > 0 ? Math.round((10000 * n) / d) / 100 : 0);

export function snapshot(bpf: LoadedBpf, p: TcpportsParams): PortsSnapshot {
  const t0 = process.hrtime.bigint();
  bpf.clearMap('remotes');
  bpf.clearMap('owners');
  const s = decodeSummary(bpf.runIter('tcpports_iter'));
  const all = decodeRemotes(bpf.readMap('remotes'));
  const owners = decodeOwners(bpf.readMap('owners'));
  const tookMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const size = s.portHi - s.portLo + 1;
  return {
    at: new Date().toISOString(),
    tookMs: Math.round(tookMs * 1000) / 1000,
    sockets: s.sockets,
    states: stateCounts(s.states),
    ephemeral: {
      range: [s.portLo, s.portHi],
      size,
      portsUsed: s.ephPortsUsed,
      usedPct: pct(s.ephPortsUsed, size),
      sockets: s.ephSockets,
      maxPerPort: s.ephPortMax,
    },
    remotes: all.slice(0, p.topRemotes).map((r) => ({ ...r, rangePct: pct(r.connections, size) })),
    remoteCount: all.length,
    remotesMissed: s.remotesMissed,
    owners: owners.slice(0, p.topOwners),
    ownerCount: owners.length,
    ownersMissed: s.ownersMissed,
  };
}

/** tcpports' figures are a snapshot of one instant: levels (gauges), which add up across nodes */
const snapshotFields = {
  tookMs: { max: 'ms' },
  sockets: 'level',
  states: { category: 'state', level: true },
  ephemeral: {
    fields: { range: 'setting', size: 'setting', portsUsed: 'level', usedPct: { max: '%' }, sockets: 'level', maxPerPort: 'max' },
  },
  remotes: { rows: { family: 'key', addr: 'key', port: 'key', connections: 'level', rangePct: { max: '%' } }, sum: 'connections' },
  remoteCount: 'level',
  remotesMissed: 'level',
  owners: { rows: { cgroup: 'key', owner: 'label', sockets: 'level', ephemeralSockets: 'level' }, sum: 'sockets' },
  ownerCount: 'level',
  ownersMissed: 'level',
} as const;

export default defineProbe({
  name: 'tcpports',
  version: packageVersion(import.meta.url),
  summary: 'TCP sockets per state, ephemeral port range use and top remote endpoints, counted in the kernel by a socket iterator',
  output: 'report',
  shape: {
    fields: {
      ...snapshotFields,
      at: 'label',
      series: { rows: { ...snapshotFields, at: 'key' }, series: true },
    },
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcpports.bpf.o'),
    variants: [{ name: 'iter', programs: ['tcpports_iter'] satisfies Program[], needs: [{ kind: 'btf_type', name: 'bpf_iter__tcp' }] }],
  },
  unsupportedFilters: {
    netns: 'the tcp iterator walks only the network namespace sonde runs in',
    pid: 'sockets are counted from the socket tables, not per process',
    uid: 'sockets are counted from the socket tables, not per process',
    comm: 'sockets are counted from the socket tables, not per process',
    lport: 'tcpports counts every port: that is the question it answers',
    rport: 'tcpports counts every port: that is the question it answers',
    laddr: 'not supported: tcpports counts every address',
    raddr: 'not supported: tcpports counts every address',
  },

  async run(ctx, p): Promise<TcpportsData> {
    const range = p.portRange ?? localPortRange();
    const bpf = await ctx.load<Names>({ globals: globalsFor(p, range) });
    if (!p.intervalMs) return snapshot(bpf, p);
    const series: PortsSnapshot[] = [snapshot(bpf, p)];
    ctx.emit([series[0]]);
    while (await ctx.wait(p.intervalMs)) {
      const s = snapshot(bpf, p);
      series.push(s);
      ctx.emit([s]);
    }
    return { ...series[series.length - 1]!, series };
  },

  render: (data) => renderTcpports(data),
});
