/**
 * The TCP listeners a job watched (bpf/include/listeners.h): who listens where, how full its accept
 * queue got, and the listen drops and overflows the kernel counted against it — including SYNs refused
 * at a full accept queue, which the kernel consumes instead of freeing as drops.
 * `struct sonde_listener`'s layout is generated from BTF (layout.gen.ts); listeners: u64 skaddr -> listener,
 * listeners_closed: struct sonde_listener_closed_key -> listener.
 */
import { formatAddr, type IpFamily } from './address.js';
import { kallsyms, type Kallsyms } from './kallsyms.js';
import { sonde_listener, sonde_listener_closed_key } from './layout.gen.js';
import { renderTable } from './render.js';
import { ownerLabel, type Owner } from './owner/resolver.js';
import type { GlobalValue, LoadedBpf } from './kernel.js';
import { checkMapSizes, mapEntries } from './map-dump.js';

export const LISTENER_SIZE = sonde_listener.size;
const OPENED = 1;
const CLOSED = 2;
const FULL_SEEN = 4;

/**
 * How a probe counted listen overflows on this kernel:
 *  - 'fentry' / 'kprobe': the kernel's own test (sk_acceptq_is_full) at tcp_conn_request (SYNs) and
 *    tcp_v4/v6_syn_recv_sock (completed handshakes), one by one: what nstat's ListenOverflows counts;
 *  - 'listener_drops': completed handshakes one by one by the drop reason TCP_LISTEN_OVERFLOW, SYNs from
 *    each listener's own drop counter (the kernel bumps it with ListenDrops) over the job, less the
 *    segments it freed as drops against the listener (kfree_skb's rx_sk): no hook sees a SYN refused at a
 *    full queue here, the counter does. Such a drop is an overflow when the namespace has syncookies on
 *    (the default: a full SYN queue then sends a cookie instead of dropping) or the queue was seen full;
 *  - null: not counted on this kernel.
 */
export type OverflowCountedBy = 'fentry' | 'kprobe' | 'listener_drops';

export interface RawListener {
  skaddr: bigint;
  dropsFirst: number;
  dropsLast: number;
  rxDrops: number;
  synOverflows: number;
  ackOverflows: number;
  netns: number;
  maxBacklog: number;
  backlog: number;
  backlogPeak: number;
  pid: number;
  uid: number;
  gen: number;
  family: IpFamily;
  lport: number;
  laddr: string;
  comm: string;
  opened: boolean;
  closed: boolean;
  fullSeen: boolean;
  syncookies: number;
  /** the socket's cgroup v2 id, decimal; '0': none kept */
  cgroup: string;
}

export interface ListenerSocket {
  family: IpFamily;
  laddr: string;
  lport: number;
  netns: number;
  /** the process holding the socket (the first one found; forked workers may share it); null: not found */
  pid: number | null;
  comm: string | null;
  uid: number;
  /** the accept-queue limit: listen()'s backlog capped by net.core.somaxconn */
  maxBacklog: number;
  /** the accept queue at the end (or when it closed) */
  backlog: number;
  /** the longest accept queue seen at the passes, its close and its overflows */
  backlogPeak: number;
  /**
   * nstat's TcpExtListenDrops for this listener over the job: every SYN or handshake the kernel dropped
   * at it (overflows, a full SYN queue without syncookies, memory). null where the variant cannot tell them
   * from other drops of its counter (no rx_sk in kfree_skb before 6.11 and no hook on tcp_check_req)
   */
  listenDrops: number | null;
  /** nstat's TcpExtListenOverflows for this listener: SYNs and completed handshakes refused at a full accept queue */
  overflows: number;
  synOverflows: number;
  ackOverflows: number;
  /** listen() during the job / closed during the job (figures up to its close) */
  opened: boolean;
  closed: boolean;
  /** the listening socket's cgroup v2 id (decimal): the control plane attaches its `owner` */
  cgroup: string;
  owner?: Owner;
}

export function decodeListener(v: Buffer): RawListener {
  const l = sonde_listener.decode(v);
  const family: IpFamily = l.family === 10 ? 6 : 4;
  return {
    skaddr: l.skaddr,
    dropsFirst: l.drops_first,
    dropsLast: l.drops_last,
    rxDrops: l.rx_drops,
    synOverflows: l.syn_overflows,
    ackOverflows: l.ack_overflows,
    netns: l.netns,
    maxBacklog: l.max_backlog,
    backlog: l.backlog,
    backlogPeak: l.backlog_peak,
    pid: l.pid,
    uid: l.uid,
    gen: l.gen,
    family,
    lport: l.lport,
    laddr: formatAddr(family, l.laddr),
    comm: l.comm,
    opened: (l.flags & OPENED) !== 0,
    closed: (l.flags & CLOSED) !== 0,
    fullSeen: (l.flags & FULL_SEEN) !== 0,
    syncookies: l.syncookies,
    cgroup: l.cgroup.toString(),
  };
}

/** rodata of listeners.h: where tcp_v4_rcv and tcp_v6_rcv lie (drops there also bump a listener's counter) */
export function listenerGlobals(syms: Kallsyms = kallsyms()): Record<string, GlobalValue> {
  const out: Record<string, GlobalValue> = {};
  for (const [v, fn] of [
    ['4', 'tcp_v4_rcv'],
    ['6', 'tcp_v6_rcv'],
  ] as const) {
    const r = syms.range(fn);
    if (r) {
      out[`targ_rcv${v}_lo`] = r.lo;
      out[`targ_rcv${v}_hi`] = r.hi;
    }
  }
  return out;
}

/**
 * One pass over every process's sockets (the probe's iter/task_file program), then every listener the
 * job watched: open ones, and those that closed during the job. Run it once when the job attaches (the
 * baseline) and again for each read.
 */
export function passListeners(bpf: LoadedBpf, probe: string, iterProgram: string): RawListener[] {
  bpf.runIter(iterProgram);
  const out: RawListener[] = [];
  for (const map of ['listeners', 'listeners_closed']) {
    const dump = bpf.readMap(map);
    checkMapSizes(probe, map, dump, map === 'listeners' ? 8 : sonde_listener_closed_key.size, LISTENER_SIZE);
    for (const { value } of mapEntries(dump)) out.push(decodeListener(value));
  }
  return out;
}

/**
 * A listener's figures. `rxDrops`: the variant takes the drops kfree_skb named against the listener off its
 * counter (by rx_sk, 6.11+, or by a hook on tcp_check_req); without that listenDrops is null. `countedBy`
 * says where SYN overflows come from.
 */
export function listenerFigures(r: RawListener, countedBy: OverflowCountedBy | null, rxDrops: boolean): ListenerSocket {
  const listenDrops = rxDrops ? Math.max(0, r.dropsLast - r.dropsFirst - r.rxDrops) : null;
  let synOverflows = r.synOverflows;
  if (countedBy === 'listener_drops')
    synOverflows = listenDrops !== null && (r.syncookies !== 0 || r.fullSeen) ? Math.max(0, listenDrops - r.ackOverflows) : 0;
  const ackOverflows = countedBy === null ? 0 : r.ackOverflows;
  if (countedBy === null) synOverflows = 0;
  return {
    family: r.family,
    laddr: r.laddr,
    lport: r.lport,
    netns: r.netns,
    pid: r.pid || null,
    comm: r.pid ? r.comm : null,
    uid: r.uid,
    maxBacklog: r.maxBacklog,
    backlog: r.backlog,
    backlogPeak: r.backlogPeak,
    listenDrops,
    overflows: synOverflows + ackOverflows,
    synOverflows,
    ackOverflows,
    opened: r.opened,
    closed: r.closed,
    cgroup: r.cgroup,
  };
}

/** the listeners worth a line: those the kernel dropped at or that overflowed, most first */
export function busyListeners(ls: readonly ListenerSocket[]): ListenerSocket[] {
  return ls
    .filter((l) => l.overflows > 0 || (l.listenDrops ?? 0) > 0)
    .sort((a, b) => b.overflows - a.overflows || (b.listenDrops ?? 0) - (a.listenDrops ?? 0) || a.lport - b.lport);
}

/** a table of listening sockets: address, process, owner (when known), queue, ListenDrops and overflows */
export function renderListenSockets(ls: readonly ListenerSocket[]): string {
  const owners = ls.some((l) => l.owner);
  return renderTable(
    [
      { header: 'LISTENER' },
      { header: 'NETNS', align: 'right' },
      { header: 'PID', align: 'right' },
      { header: 'COMM' },
      ...(owners ? [{ header: 'OWNER' }] : []),
      { header: 'QUEUE_PEAK', align: 'right' as const },
      { header: 'LIMIT', align: 'right' },
      { header: 'LISTEN_DROPS', align: 'right' },
      { header: 'OVERFLOWS', align: 'right' },
      { header: 'SYN', align: 'right' },
      { header: 'ACK', align: 'right' },
    ],
    ls.map((l) => [
      `${l.family === 6 ? `[${l.laddr}]` : l.laddr}:${l.lport}${l.closed ? ' (closed)' : ''}`,
      l.netns,
      l.pid ?? '-',
      l.comm ?? '-',
      ...(owners ? [l.owner ? ownerLabel(l.owner) : '-'] : []),
      l.backlogPeak,
      l.maxBacklog,
      l.listenDrops ?? '-',
      l.overflows,
      l.synOverflows,
      l.ackOverflows,
    ]),
  );
}
