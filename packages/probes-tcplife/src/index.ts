/**
 * tcplife: one event per TCP session when it closes — owner, tuple, bytes sent and received,
 * lifetime — like bcc's tcplife, from the inet_sock_set_state tracepoint alone. Beyond upstream:
 * the owner of passively opened sessions is the process that accepted them (bcc #834), every common
 * filter runs in the kernel, and the summary (duration and byte histograms) is aggregated there.
 */
import {
  acceptExitNeeds,
  defineProbe,
  distFile,
  drainEvents,
  groupRows,
  isOwnerBy,
  log2Histogram,
  log2Index,
  mergeHistograms,
  ownerGroupsOf,
  packageVersion,
  ringEntries,
  type Histogram,
  type Owner,
} from '@sonde/probe-sdk';
import { decodeEvent, decodeHists, type TcplifeEvent, type TcplifeSummary } from './decode.js';
import { globalsFor, params } from './params.js';
import { renderTcplife } from './render.js';
import { counters } from './counters.js';
import type { Names, Program } from './layout.gen.js';

export type { TcplifeEvent, TcplifeSummary } from './decode.js';
export { decodeEvent } from './decode.js';
export { params, globalsFor, type TcplifeParams } from './params.js';

export interface TcplifeData extends TcplifeSummary {
  /** with `by`: sessions per pod or container (the socket's cgroup), most first, from every event */
  owners?: OwnerSessions[];
  /** (filled in by the loader) the first sessions, in closing order */
  events?: TcplifeEvent[];
}

export interface OwnerSessions {
  /** "shop/web-0", "shop/web-0/web"; a cgroup path outside any pod or container */
  key: string;
  /** the cgroup v2 id standing for the owner */
  cgroup: string;
  /** who it is (attached by the control plane from `cgroup`) */
  owner?: Owner;
  sessions: number;
  /** payload bytes sent and received over its sessions */
  txBytes: number;
  rxBytes: number;
  /** session lifetimes, usecs */
  duration: Histogram;
}

/** per socket cgroup, from the events as they are drained (every one, kept or not) */
class CgroupSessions {
  private readonly by = new Map<string, { sessions: number; tx: number; rx: number; slots: number[]; sum: number; min: number; max: number }>();

  add(e: TcplifeEvent): void {
    let c = this.by.get(e.cgroup);
    if (!c) this.by.set(e.cgroup, (c = { sessions: 0, tx: 0, rx: 0, slots: [], sum: 0, min: Infinity, max: 0 }));
    const us = Math.floor(e.ms * 1000);
    c.sessions++;
    c.tx += e.txBytes;
    c.rx += e.rxBytes;
    const i = log2Index(us);
    c.slots[i] = (c.slots[i] ?? 0) + 1;
    c.sum += us;
    c.min = Math.min(c.min, us);
    c.max = Math.max(c.max, us);
  }

  rows(): OwnerSessions[] {
    return [...this.by].map(([cgroup, c]) => ({
      key: cgroup,
      cgroup,
      sessions: c.sessions,
      txBytes: c.tx,
      rxBytes: c.rx,
      duration: log2Histogram(Array.from(c.slots, (n) => n ?? 0), { unit: 'usecs', sum: c.sum, min: c.min, max: c.max }),
    }));
  }
}

export default defineProbe({
  name: 'tcplife',
  version: packageVersion(import.meta.url),
  summary: 'TCP sessions as they close: owner, tuple, bytes sent/received, lifetime; duration and byte histograms',
  output: 'events',
  shape: {
    fields: {
      sessions: 'count',
      duration: { histogram: 'usecs' },
      txBytes: { histogram: 'bytes' },
      rxBytes: { histogram: 'bytes' },
      owners: {
        rows: { key: 'key', cgroup: 'key', owner: 'label', sessions: 'count', txBytes: { count: 'bytes' }, rxBytes: { count: 'bytes' }, duration: { histogram: 'usecs' } },
        sum: 'sessions',
      },
      events: { events: { time: 'time', summary: { who: 'comm', flow: ['laddr', 'lport', 'raddr', 'rport'], what: ['txBytes', 'rxBytes', 'ms'] } } },
    },
    histogram: { total: 'duration' },
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcplife.bpf.o'),
    variants: [
      { name: 'tp_btf', programs: ['tcplife_btf', 'tcplife_acc4', 'tcplife_acc'] satisfies Program[], needs: [{ kind: 'tp_btf', event: 'inet_sock_set_state' }, ...acceptExitNeeds] },
      {
        name: 'tracepoint',
        programs: ['tcplife_tp', 'tcplife_acc4', 'tcplife_acc'] satisfies Program[],
        needs: [{ kind: 'tracepoint', category: 'sock', event: 'inet_sock_set_state' }, ...acceptExitNeeds],
      },
      // without tracefs: accepted sessions are attributed to the process that closes them
      { name: 'tp_btf_only', programs: ['tcplife_btf'] satisfies Program[], needs: [{ kind: 'tp_btf', event: 'inet_sock_set_state' }] },
    ],
  },

  async run(ctx, p): Promise<TcplifeData> {
    const bpf = await ctx.load<Names>({ globals: globalsFor(p), maxEntries: ringEntries(p.bufferKiB) });
    const per = isOwnerBy(p.by) ? new CgroupSessions() : undefined;
    await drainEvents(ctx, bpf, { decode: decodeEvent, ...(per ? { onEvent: (e: TcplifeEvent) => per.add(e) } : {}) });
    const summary = decodeHists(bpf.readMap('hists'));
    if (!per || !isOwnerBy(p.by)) return summary;
    const rows = per.rows();
    const owners = groupRows(rows, await ownerGroupsOf(ctx, rows.map((r) => r.cgroup), p.by), (into, r) => {
      into.sessions += r.sessions;
      into.txBytes += r.txBytes;
      into.rxBytes += r.rxBytes;
      into.duration = mergeHistograms([into.duration, r.duration]);
    })
      .map(({ ownerKey, ...r }) => ({ ...r, key: ownerKey }))
      .sort((a, b) => b.sessions - a.sessions || a.key.localeCompare(b.key));
    return { ...summary, owners };
  },

  render: (data, p) => renderTcplife(data, p),
});
