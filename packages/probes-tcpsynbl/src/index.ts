/**
 * tcpsynbl: how long TCP listeners' accept queues are when connections join them, as log2
 * histograms per listener and queue limit (upstream groups by the limit only), plus how often a
 * completing handshake found the queue full. Aggregated in the kernel; optional interval series.
 */
import { collectIntervals, defineProbe, distFile, dropReasons, packageVersion, type Histogram } from '@sonde/probe-sdk';
import { byMaxBacklog, decodeBacklogs, deltaListeners, toListeners, type ListenerBacklog, type RawBacklog } from './decode.js';
import { globalsFor, params } from './params.js';
import { renderTcpsynbl } from './render.js';

export type { ListenerBacklog } from './decode.js';
export { params, globalsFor, type TcpsynblParams } from './params.js';

export interface TcpsynblData {
  /** upstream's view: one histogram per accept-queue limit */
  byMaxBacklog: Array<{ maxBacklog: number; hist: Histogram; max: number | null; overflows: number }>;
  /** per listener port and limit */
  listeners: ListenerBacklog[];
  /** handshakes dropped because the queue was full, all listeners */
  overflows: number;
  /** the drop reason counted as an overflow on this kernel, null when it has none (overflows stay 0) */
  overflowReason: string | null;
  series?: Array<{ at: string; listeners: ListenerBacklog[] }>;
}

export default defineProbe({
  name: 'tcpsynbl',
  version: packageVersion(import.meta.url),
  summary: 'TCP accept-queue length when connections are added, log2 histograms per backlog limit, plus listen overflows',
  output: 'report',
  params,
  bpf: {
    object: distFile(import.meta.url, 'tcpsynbl.bpf.o'),
    variants: [
      {
        name: 'tp_btf',
        programs: ['tcpsynbl_state', 'tcpsynbl_kfree'],
        needs: [
          { kind: 'tp_btf', event: 'inet_sock_set_state' },
          { kind: 'tp_btf', event: 'kfree_skb' },
        ],
      },
    ],
  },
  unsupportedFilters: {
    pid: 'connections join the accept queue in softirq, before any process owns them',
    uid: 'connections join the accept queue in softirq, before any process owns them',
    comm: 'connections join the accept queue in softirq, before any process owns them',
    cgroup: 'connections join the accept queue in softirq, before any process owns them',
    rport: 'the histogram is per listener; remote ports are not tracked',
    laddr: 'not supported: filter listeners by lport or netns',
    raddr: 'the histogram is per listener; remote addresses are not tracked',
  },

  async run(ctx, p): Promise<TcpsynblData> {
    const reason = dropReasons(ctx.kernelEnum('skb_drop_reason')).value('TCP_LISTEN_OVERFLOW');
    if (reason === undefined) ctx.warn('this kernel has no TCP_LISTEN_OVERFLOW drop reason: overflows are not counted');
    const bpf = await ctx.load({ globals: globalsFor(p, reason ?? 0) });
    const { series, final } = await collectIntervals(ctx, {
      intervalMs: p.intervalMs,
      read: (): RawBacklog[] => decodeBacklogs(bpf.readMap('backlogs')),
      report: (now, before) => deltaListeners(now, before ?? []),
      isEmpty: (listeners) => listeners.length === 0,
      entry: (at, listeners) => ({ at, listeners }),
    });
    const listeners = toListeners(final);
    return {
      byMaxBacklog: byMaxBacklog(listeners),
      listeners,
      overflows: listeners.reduce((s, l) => s + l.overflows, 0),
      overflowReason: reason === undefined ? null : 'TCP_LISTEN_OVERFLOW',
      ...(p.intervalMs ? { series } : {}),
    };
  },

  render: (data) => renderTcpsynbl(data),
});
