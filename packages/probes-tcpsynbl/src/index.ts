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

export type OverflowMethod = 'fentry' | 'kprobe' | 'drop_reason';

const state = { kind: 'tp_btf', event: 'inet_sock_set_state' } as const;

export interface TcpsynblData {
  /** upstream's view: one histogram per accept-queue limit */
  byMaxBacklog: Array<{ maxBacklog: number; hist: Histogram; max: number | null; overflows: number }>;
  /** per listener port and limit */
  listeners: ListenerBacklog[];
  /** handshakes dropped because the queue was full, all listeners */
  overflows: number;
  /** the drop reason counted as an overflow (variant tp_btf only), null otherwise */
  overflowReason: string | null;
  /**
   * how overflows were counted here: 'fentry' / 'kprobe' — the kernel's own sk_acceptq_is_full() test at
   * tcp_conn_request (SYNs) and tcp_v4/v6_syn_recv_sock (completed handshakes), as nstat's
   * TcpExtListenOverflows counts; 'drop_reason' — kfree_skb TCP_LISTEN_OVERFLOW, completed handshakes
   * only (SYNs refused by a full queue are not seen); null — not counted on this kernel (overflows stay 0)
   */
  overflowsCountedBy: OverflowMethod | null;
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
    // the histogram always comes from tp_btf/inet_sock_set_state; the variants differ in how they see overflows
    variants: [
      {
        name: 'fentry',
        programs: ['tcpsynbl_state', 'tcpsynbl_conn_request', 'tcpsynbl_syn_recv4', 'tcpsynbl_syn_recv6'],
        needs: [
          state,
          { kind: 'fentry', function: 'tcp_conn_request' },
          { kind: 'fentry', function: 'tcp_v4_syn_recv_sock' },
          { kind: 'fentry', function: 'tcp_v6_syn_recv_sock' },
        ],
      },
      {
        name: 'kprobe',
        programs: ['tcpsynbl_state', 'tcpsynbl_kp_conn_request', 'tcpsynbl_kp_syn_recv4', 'tcpsynbl_kp_syn_recv6'],
        needs: [
          state,
          { kind: 'kprobe', function: 'tcp_conn_request' },
          { kind: 'kprobe', function: 'tcp_v4_syn_recv_sock' },
          { kind: 'kprobe', function: 'tcp_v6_syn_recv_sock' },
        ],
      },
      {
        name: 'tp_btf',
        programs: ['tcpsynbl_state', 'tcpsynbl_kfree'],
        cannotSee: ['SYNs refused at a full accept queue (the kernel consumes them, no drop reason; nstat ListenOverflows counts them): only completed handshakes that meet a full queue are counted'],
        needs: [
          state,
          { kind: 'tp_btf', event: 'kfree_skb', args: 4 },
          { kind: 'btf_enum_value', enum: 'skb_drop_reason', name: 'SKB_DROP_REASON_TCP_LISTEN_OVERFLOW' },
        ],
      },
      {
        name: 'tp_btf_backlog',
        programs: ['tcpsynbl_state'],
        needs: [state],
        cannotSee: ['listen overflows: no fentry or kprobe on tcp_conn_request/tcp_v4_syn_recv_sock and no TCP_LISTEN_OVERFLOW drop reason here'],
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
    const bpf = await ctx.load({ globals: globalsFor(p, reason ?? 0) });
    const countedBy = overflowMethod(bpf.variant);
    if (countedBy === 'drop_reason')
      ctx.warn(
        'overflows counted from kfree_skb reason TCP_LISTEN_OVERFLOW (no fentry or kprobe here): only completed handshakes that met a full queue; SYNs refused by a full queue are not seen (nstat TcpExtListenOverflows counts them)',
      );
    else if (countedBy === null)
      ctx.warn('overflows are not counted on this kernel: no fentry or kprobe on tcp_conn_request/tcp_v4_syn_recv_sock, and no kfree_skb reason TCP_LISTEN_OVERFLOW');
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
      overflowReason: countedBy === 'drop_reason' ? 'TCP_LISTEN_OVERFLOW' : null,
      overflowsCountedBy: countedBy,
      ...(p.intervalMs ? { series } : {}),
    };
  },

  render: (data) => renderTcpsynbl(data),
});

function overflowMethod(variant: string): OverflowMethod | null {
  if (variant === 'fentry' || variant === 'kprobe') return variant;
  if (variant === 'tp_btf') return 'drop_reason';
  return null;
}
