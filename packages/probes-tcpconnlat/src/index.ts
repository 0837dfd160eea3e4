/**
 * tcpconnlat: the latency of every active TCP open — SYN sent to SYN-ACK received (ESTABLISHED) —
 * with the process that made it; refused and failed handshakes are reported too, flagged, with the
 * time they took to fail. Events, plus log2 histograms aggregated in the kernel.
 */
import {
  CONNECT_FAILURES,
  defineProbe,
  distFile,
  drainEvents,
  groupRows,
  isOwnerBy,
  mergeHistograms,
  ownerGroupsOf,
  packageVersion,
  ringEntries,
  type Histogram,
  type Owner,
} from '@sonde/probe-sdk';
import { decodeEvent, decodeHists, type TcpconnlatEvent } from './decode.js';
import { globalsFor, params } from './params.js';
import { renderTcpconnlat } from './render.js';
import { counters } from './counters.js';
import type { Names, Program } from './layout.gen.js';

export type { TcpconnlatEvent } from './decode.js';
export { params, globalsFor, type TcpconnlatParams } from './params.js';

export interface TcpconnlatData {
  /** every handshake that reached ESTABLISHED (also below minUs), usecs */
  latency: Histogram;
  /** every handshake that ended in CLOSE (refused, timed out, ...), time to fail, usecs */
  failed: Histogram;
  /** events reported (at or above minUs), by outcome */
  outcomes: Record<string, number>;
  /** with `by`: the histograms per pod or container (the socket's cgroup), most handshakes first */
  owners?: OwnerLatency[];
  /** the loader adds the kept events here */
  events?: TcpconnlatEvent[];
}

export interface OwnerLatency {
  /** "shop/web-0", "shop/web-0/web"; a cgroup path outside any pod or container */
  key: string;
  /** the cgroup v2 id standing for the owner */
  cgroup: string;
  /** who it is (attached by the control plane from `cgroup`) */
  owner?: Owner;
  latency: Histogram;
  failed: Histogram;
}

export default defineProbe({
  name: 'tcpconnlat',
  version: packageVersion(import.meta.url),
  summary: 'TCP connect latency per connect (SYN to handshake end) with pid and comm, refused connects flagged, plus histograms',
  output: 'events',
  shape: {
    fields: {
      latency: { histogram: 'usecs' },
      failed: { histogram: 'usecs' },
      outcomes: { category: 'outcome' },
      owners: { rows: { key: 'key', cgroup: 'key', owner: 'label', latency: { histogram: 'usecs' }, failed: { histogram: 'usecs' } } },
      events: { events: { time: 'time', summary: { who: 'comm', flow: ['laddr', 'lport', 'raddr', 'rport'], what: ['outcome', 'error', 'latUs'] }, warn: { field: 'outcome', values: CONNECT_FAILURES } } },
    },
    histogram: { total: 'latency' },
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcpconnlat.bpf.o'),
    variants: [{ name: 'tp_btf', programs: ['tcpconnlat_sk'] satisfies Program[], needs: [{ kind: 'tp_btf', event: 'inet_sock_set_state' }] }],
  },

  async run(ctx, p): Promise<TcpconnlatData> {
    const bpf = await ctx.load<Names>({ globals: globalsFor(p), maxEntries: ringEntries(p.bufferKiB) });
    const outcomes: Record<string, number> = {};
    await drainEvents(ctx, bpf, {
      decode: decodeEvent,
      onEvent: (e) => {
        outcomes[e.outcome] = (outcomes[e.outcome] ?? 0) + 1;
      },
    });
    const { established, failed, byCgroup } = decodeHists(bpf.readMap('hists'));
    if (!isOwnerBy(p.by)) return { latency: established, failed, outcomes };
    const groups = await ownerGroupsOf(ctx, byCgroup.map((c) => c.cgroup), p.by);
    const owners = groupRows(
      byCgroup.map((c) => ({ cgroup: c.cgroup, latency: c.established, failed: c.failed })),
      groups,
      (into, c) => {
        into.latency = mergeHistograms([into.latency, c.latency]);
        into.failed = mergeHistograms([into.failed, c.failed]);
      },
    )
      .map(({ ownerKey, ...o }) => ({ key: ownerKey, ...o }))
      .sort((a, b) => b.latency.count + b.failed.count - (a.latency.count + a.failed.count) || a.key.localeCompare(b.key));
    return { latency: established, failed, outcomes, owners };
  },

  render: (data, p) => renderTcpconnlat(data, p),
});
