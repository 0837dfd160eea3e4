/**
 * tcpsynbl: how long TCP listeners' accept queues are when connections join them, as log2
 * histograms per listener and queue limit (upstream groups by the limit only), plus how often a
 * completing handshake found the queue full. Aggregated in the kernel; optional interval series.
 */
import {
  busyListeners,
  collectIntervals,
  defineProbe,
  distFile,
  dropReasons,
  listenerFigures,
  listenerGlobals,
  listenerSocketRows,
  packageVersion,
  passListeners,
  type FeatureNeed,
  type Histogram,
  type HookVariant,
  type ListenerSocket,
  type OverflowCountedBy,
} from '@sonde/probe-sdk';
import { addSynOverflows, byMaxBacklog, decodeBacklogs, deltaListeners, toListeners, type ListenerBacklog, type RawBacklog } from './decode.js';
import { globalsFor, params } from './params.js';
import { renderTcpsynbl } from './render.js';
import { counters } from './counters.js';
import type { Names, Program } from './layout.gen.js';

export type { ListenerBacklog } from './decode.js';
export { params, globalsFor, type TcpsynblParams } from './params.js';

const state: FeatureNeed = { kind: 'tp_btf', event: 'inet_sock_set_state' };
// the listener passes: every process's sockets (iter/task_file)
const pass: FeatureNeed = { kind: 'btf_type', name: 'bpf_iter__task_file' };
const kfree4: FeatureNeed = { kind: 'tp_btf', event: 'kfree_skb', args: 4 };
const kfree3: FeatureNeed = { kind: 'tp_btf', event: 'kfree_skb', args: 3 };

/**
 * Overflows one by one on fentry or kprobe. The listeners' drop counters give ListenDrops less the drops
 * kfree_skb names against a listener: by rx_sk (6.11+), or before by the segment tcp_check_req handled.
 */
function perEvent(kind: 'fentry' | 'kprobe', rxSk: boolean): HookVariant {
  const p = kind === 'fentry' ? 'tcpsynbl_' : 'tcpsynbl_kp_';
  return {
    name: rxSk ? kind : `${kind}_no_rx_sk`,
    programs: [
      'tcpsynbl_state',
      'tcpsynbl_listeners',
      `${p}conn_request`,
      `${p}syn_recv4`,
      `${p}syn_recv6`,
      ...(rxSk ? ['tcpsynbl_kfree'] : ['tcpsynbl_kfree3', `${p}check_req`]),
    ],
    needs: [
      state,
      pass,
      { kind, function: 'tcp_conn_request' },
      { kind, function: 'tcp_v4_syn_recv_sock' },
      { kind, function: 'tcp_v6_syn_recv_sock' },
      ...(rxSk ? [kfree4] : [kfree3, { kind, function: 'tcp_check_req' } as FeatureNeed]),
    ],
  };
}

export interface TcpsynblData {
  /** upstream's view: one histogram per accept-queue limit */
  byMaxBacklog: Array<{ maxBacklog: number; hist: Histogram; max: number | null; overflows: number }>;
  /** per listener port and limit */
  listeners: ListenerBacklog[];
  /** SYNs and completed handshakes refused because the accept queue was full, all listeners (nstat TcpExtListenOverflows) */
  overflows: number;
  /** every SYN or handshake the kernel dropped at the listeners (nstat TcpExtListenDrops); null: not counted (tp_btf_backlog) */
  listenDrops: number | null;
  /** the drop reason counted for completed handshakes (variant tp_btf only), null otherwise */
  overflowReason: string | null;
  /**
   * how overflows were counted here: 'fentry' / 'kprobe' — the kernel's own sk_acceptq_is_full() test at
   * tcp_conn_request (SYNs) and tcp_v4/v6_syn_recv_sock (completed handshakes), one by one, as nstat's
   * TcpExtListenOverflows counts; 'listener_drops' — completed handshakes by kfree_skb reason
   * TCP_LISTEN_OVERFLOW, SYNs from each listener's own drop counter over the job (see listenSockets);
   * null — not counted on this kernel (overflows stay 0)
   */
  overflowsCountedBy: OverflowCountedBy | null;
  /** the listening sockets that dropped or overflowed: address, port, namespace, owning process, figures */
  listenSockets: ListenerSocket[];
  series?: Array<{ at: string; listeners: ListenerBacklog[] }>;
}

/** per listener port and accept-queue limit: queue lengths (log2, unit "backlog"), the longest, overflows */
const backlogRows = {
  rows: {
    maxBacklog: 'key', lport: 'key', cgroup: 'key', owner: 'label',
    hist: { histogram: 'backlog', name: 'listeners' }, max: 'max', overflows: 'count',
  },
} as const;

export default defineProbe({
  name: 'tcpsynbl',
  version: packageVersion(import.meta.url),
  summary: 'TCP accept-queue length when connections are added, log2 histograms per backlog limit, plus listen overflows',
  output: 'report',
  shape: {
    fields: {
      byMaxBacklog: { rows: { maxBacklog: 'key', hist: { histogram: 'backlog', name: 'by_max_backlog' }, max: 'max', overflows: 'count' } },
      listeners: backlogRows,
      overflows: 'count',
      listenDrops: 'count',
      overflowReason: 'label',
      overflowsCountedBy: 'label',
      listenSockets: listenerSocketRows,
      series: { rows: { at: 'key', listeners: backlogRows }, series: true },
    },
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcpsynbl.bpf.o'),
    // the histogram always comes from tp_btf/inet_sock_set_state; the variants differ in how they see overflows
    variants: [
      perEvent('fentry', true),
      perEvent('fentry', false),
      perEvent('kprobe', true),
      perEvent('kprobe', false),
      {
        name: 'tp_btf',
        programs: ['tcpsynbl_state', 'tcpsynbl_listeners', 'tcpsynbl_kfree'] satisfies Program[],
        cannotSee: [
          'SYNs refused at a full accept queue one by one (the kernel consumes them, no drop reason): counted per listener from its drop counter, so not per interval finer than the passes, and with net.ipv4.tcp_syncookies=0 a SYN dropped at a full SYN queue counts as an overflow when the accept queue was seen full',
        ],
        needs: [
          state,
          pass,
          kfree4,
          { kind: 'btf_enum_value', enum: 'skb_drop_reason', name: 'SKB_DROP_REASON_TCP_LISTEN_OVERFLOW' },
        ],
      },
      {
        name: 'tp_btf_backlog',
        programs: ['tcpsynbl_state', 'tcpsynbl_listeners'] satisfies Program[],
        needs: [state, pass],
        cannotSee: ['listen overflows: no fentry or kprobe on tcp_conn_request/tcp_v4_syn_recv_sock and no TCP_LISTEN_OVERFLOW drop reason here'],
      },
    ],
  },
  unsupportedFilters: {
    pid: 'connections join the accept queue in softirq, before any process owns them',
    uid: 'connections join the accept queue in softirq, before any process owns them',
    comm: 'connections join the accept queue in softirq, before any process owns them',
    rport: 'the histogram is per listener; remote ports are not tracked',
    laddr: 'not supported: filter listeners by lport or netns',
    raddr: 'the histogram is per listener; remote addresses are not tracked',
  },

  async run(ctx, p): Promise<TcpsynblData> {
    const reason = dropReasons(ctx.kernelEnum('skb_drop_reason')).value('TCP_LISTEN_OVERFLOW');
    const bpf = await ctx.load<Names>({
      globals: { ...globalsFor(p, reason ?? 0), ...listenerGlobals() },
      // the baseline: each listener's drop counter when the job starts (listen() during the job adds the others)
      onAttach: (b) => passListeners(b, 'tcpsynbl', 'tcpsynbl_listeners'),
    });
    const countedBy = overflowMethod(bpf.variant);
    // every variant but the last takes the drops at tcp_v{4,6}_rcv off the listeners' counters
    const rxSk = bpf.variant !== 'tp_btf_backlog';
    if (countedBy === 'listener_drops')
      ctx.warn(
        "no fentry or kprobe here: SYNs refused at a full accept queue are counted from each listener's own drop counter over the job (the kernel bumps it with ListenDrops), completed handshakes by kfree_skb reason TCP_LISTEN_OVERFLOW",
      );
    else if (countedBy === null)
      ctx.warn('overflows are not counted on this kernel: no fentry or kprobe on tcp_conn_request/tcp_v4_syn_recv_sock, and no kfree_skb reason TCP_LISTEN_OVERFLOW');
    const read = (): { raw: RawBacklog[]; sockets: ListenerSocket[] } => {
      const sockets = passListeners(bpf, 'tcpsynbl', 'tcpsynbl_listeners').map((l) => listenerFigures(l, countedBy, rxSk));
      const raw = decodeBacklogs(bpf.readMap('backlogs'));
      // per-event variants count SYN overflows in the backlogs map; here they come from the listeners
      return { raw: countedBy === 'listener_drops' ? addSynOverflows(raw, sockets) : raw, sockets };
    };
    const { series, final } = await collectIntervals(ctx, {
      intervalMs: p.intervalMs,
      read,
      report: (now, before) => deltaListeners(now.raw, before?.raw ?? []),
      isEmpty: (listeners) => listeners.length === 0,
      entry: (at, listeners) => ({ at, listeners }),
    });
    const listeners = toListeners(final.raw);
    const sockets = busyListeners(final.sockets);
    return {
      byMaxBacklog: byMaxBacklog(listeners),
      listeners,
      overflows: listeners.reduce((s, l) => s + l.overflows, 0),
      listenDrops: rxSk ? final.sockets.reduce((s, l) => s + (l.listenDrops ?? 0), 0) : null,
      overflowReason: bpf.variant === 'tp_btf' ? 'TCP_LISTEN_OVERFLOW' : null,
      overflowsCountedBy: countedBy,
      listenSockets: sockets,
      ...(p.intervalMs ? { series } : {}),
    };
  },

  render: (data) => renderTcpsynbl(data),
});

function overflowMethod(variant: string): OverflowCountedBy | null {
  if (variant.startsWith('fentry')) return 'fentry';
  if (variant.startsWith('kprobe')) return 'kprobe';
  if (variant === 'tp_btf') return 'listener_drops';
  return null;
}
