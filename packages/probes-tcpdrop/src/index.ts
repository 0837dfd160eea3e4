/**
 * tcpdrop: TCP segments the kernel drops, as a report — counts by drop reason (names from the running
 * kernel's BTF), by flow, by kernel stack (symbolized from /proc/kallsyms), and the first drops as
 * events with state, TCP flags and stack. Counted in the kernel on tp_btf/kfree_skb.
 */
import {
  busyListeners,
  decodeScalar,
  defineProbe,
  distFile,
  dropReasons,
  kallsyms,
  isOwnerBy,
  listenerFigures,
  listenerGlobals,
  listenerSocketRows,
  ownerGroupsOf,
  packageVersion,
  passListeners,
  splitRecords,
  sumByOwner,
  symbolizeStack,
  type DropReasons,
  type FeatureNeed,
  type HookVariant,
  type IpFamily,
  type ListenerSocket,
  type LoadedBpf,
  type OverflowCountedBy,
  type Owner,
  type OwnerTotals,
  type ProbeContext,
} from '@sonde/probe-sdk';
import {
  decodeEvent,
  decodeFlows,
  decodeReasonCounts,
  decodeStackCounts,
  stateName,
  tcpFlags,
  type RawDropEvent,
} from './decode.js';
import { globalsFor, params, type TcpdropParams } from './params.js';
import { renderTcpdrop } from './render.js';
import { counters } from './counters.js';
import type { Names } from './layout.gen.js';

export { params, globalsFor, type TcpdropParams } from './params.js';

export interface DropReasonCount {
  /** the kernel's name without `SKB_DROP_REASON_`, e.g. TCP_LISTEN_OVERFLOW */
  reason: string;
  value: number;
  /** high 16 bits of the value: CORE, OPENVSWITCH, ... */
  subsystem: string;
  count: number;
}

export interface DropFlow {
  family: IpFamily;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  reason: string;
  /** the socket's cgroup v2 id (its owner, though the drop ran in softirq); '0' without a socket */
  cgroup: string;
  /** who owns the socket (attached by the control plane from `cgroup`) */
  owner?: Owner;
  count: number;
  /** TCP state at the last drop; '-' when the segment had no socket */
  state: string;
  /** flags of the dropped segments, or-ed: `SYN|ACK` */
  flags: string;
}

export interface DropStack {
  reason: string;
  count: number;
  /** innermost first, `name+0xoff [module]`; the BPF trampoline frames are removed */
  frames: string[];
}

export interface DropEvent {
  time: string;
  /** the socket, or null when the segment had none (tuple from the headers: local = destination) */
  skaddr: string | null;
  netns: number;
  family: IpFamily;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  reason: string;
  state: string;
  flags: string;
  /** the socket's cgroup v2 id; '0' without a socket */
  cgroup: string;
  owner?: Owner;
  /** where the skb was freed */
  location: string;
  stack: string[];
}

export interface TcpdropData {
  /** every drop that passed the filters */
  total: number;
  reasons: DropReasonCount[];
  /** the topFlows flows with most drops (per flow and reason) */
  flows: DropFlow[];
  /** with `by`: every flow's drops summed per pod or container (most first); sockets of no pod group by cgroup */
  owners?: Array<OwnerTotals<'count' | 'flows'>>;
  flowCount: number;
  /** drops whose flow did not fit the kernel map (still in total and reasons) */
  flowsMissed: number;
  /** the topStacks most frequent stacks (per stack and reason) */
  stacks: DropStack[];
  stackCount: number;
  /** drops whose stack could not be taken (stack map bucket taken or full) */
  stacklessDrops: number;
  /** the first eventLimit drops */
  events: DropEvent[];
  /** drops beyond eventLimit: counted, not listed */
  eventsOmitted: number;
  /**
   * SYNs and completed handshakes refused because a listener's accept queue was full (nstat's
   * TcpExtListenOverflows), on every kernel: also the TCP_LISTEN_OVERFLOW row of `reasons`, which the
   * kernel alone would give only for completed handshakes (6.13+), and not at all before.
   */
  listenOverflows: ListenOverflows;
}

export interface ListenOverflows {
  count: number;
  /**
   * 'fentry' / 'kprobe': one by one at the kernel's own test (tcp_conn_request, tcp_v{4,6}_syn_recv_sock),
   * each also a drop in flows, stacks and events; 'listener_drops': completed handshakes by the drop reason,
   * SYNs from each listener's own drop counter over the job (counted in reasons and per listener, not per
   * flow); null: not counted on this kernel
   */
  countedBy: OverflowCountedBy | null;
  /** nstat's TcpExtListenDrops for the listeners watched; null with tp_btf_no_rx_sk (no rx_sk, no hook on tcp_check_req) */
  listenDrops: number | null;
  /** the listening sockets that dropped or overflowed: address, port, namespace, owning process */
  listeners: ListenerSocket[];
}

/** a value no kernel uses for a drop reason: the one listen overflows are counted under where the kernel has none */
const OVERFLOW_SENTINEL = 0xfffe;
const NO_RX_SK = "the socket of an inbound segment dropped before it is attached to one (kfree_skb's rx_sk is 6.11+): state '-', tuple from the headers";
const SYN_BY_COUNTER =
  "SYNs refused at a full accept queue one by one (the kernel consumes them, no hook here): counted per listener from its drop counter (listenOverflows, reasons), not in flows, stacks or events; with net.ipv4.tcp_syncookies=0 a SYN dropped at a full SYN queue counts as an overflow when the accept queue was seen full";

/**
 * kfree_skb with 4 arguments (rx_sk, 6.11+) or 3 (5.17..6.10); listen overflows one by one on fentry or
 * kprobe at tcp_conn_request/tcp_v{4,6}_syn_recv_sock, else from the listeners (tp_btf).
 */
function variant(hook: 'fentry' | 'kprobe' | 'tp_btf', args: 3 | 4): HookVariant {
  const kfree = `tcpdrop_kfree_skb${args === 3 ? '3' : ''}${hook === 'tp_btf' ? '' : '_hooked'}`;
  const needs: FeatureNeed[] = [
    { kind: 'tp_btf', event: 'kfree_skb', args },
    { kind: 'tp_btf', event: 'inet_sock_set_state' },
    { kind: 'btf_type', name: 'bpf_iter__task_file' },
  ];
  const programs = [kfree, 'tcpdrop_state', 'tcpdrop_listeners'];
  const cannotSee = args === 3 ? [NO_RX_SK] : [];
  if (hook === 'tp_btf') {
    cannotSee.push(SYN_BY_COUNTER);
    if (args === 3)
      cannotSee.push("listen drops per listener (listenDrops is null): without rx_sk or a hook on tcp_check_req the listener's drop counter cannot be told from other drops it takes");
  } else {
    const p = hook === 'fentry' ? 'tcpdrop_' : 'tcpdrop_kp_';
    programs.push(`${p}conn_request`, `${p}syn_recv4`, `${p}syn_recv6`);
    for (const f of ['tcp_conn_request', 'tcp_v4_syn_recv_sock', 'tcp_v6_syn_recv_sock']) needs.push({ kind: hook, function: f });
    // no rx_sk: the segment tcp_check_req handles names the listener a drop at tcp_v{4,6}_rcv is taken off
    if (args === 3) {
      programs.push(`${p}check_req`);
      needs.push({ kind: hook, function: 'tcp_check_req' });
    }
  }
  return { name: `${hook}${args === 3 ? '_no_rx_sk' : ''}`, programs, needs, ...(cannotSee.length ? { cannotSee } : {}) };
}

export default defineProbe({
  name: 'tcpdrop',
  version: packageVersion(import.meta.url),
  summary: 'TCP drops by kernel drop reason, flow and kernel stack, with the first drops as events (state, flags, stack)',
  output: 'report',
  shape: {
    fields: {
      total: 'count',
      reasons: { rows: { reason: 'key', value: 'key', subsystem: 'key', count: 'count' }, sum: 'count' },
      flows: {
        rows: {
          family: 'key', laddr: 'key', lport: 'key', raddr: 'key', rport: 'key', reason: 'key', cgroup: 'key', owner: 'label',
          count: 'count', state: 'label', flags: 'label',
        },
        sum: 'count',
      },
      owners: { rows: { key: 'key', cgroup: 'key', owner: 'label', count: 'count', flows: 'count' }, sum: 'count' },
      flowCount: 'count',
      flowsMissed: 'count',
      stacks: { rows: { reason: 'key', frames: 'key', count: 'count' }, sum: 'count' },
      stackCount: 'count',
      stacklessDrops: 'count',
      events: { events: { time: 'time', summary: { flow: ['laddr', 'lport', 'raddr', 'rport'], what: ['reason', 'state', 'location'] }, warn: true } },
      eventsOmitted: 'count',
      listenOverflows: { fields: { count: 'count', countedBy: 'label', listenDrops: 'count', listeners: listenerSocketRows } },
    },
    aliases: { drops: 'reasons' },
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcpdrop.bpf.o'),
    variants: [variant('fentry', 4), variant('kprobe', 4), variant('tp_btf', 4), variant('fentry', 3), variant('kprobe', 3), variant('tp_btf', 3)],
  },
  unsupportedFilters: {
    pid: 'drops happen in softirq, where no process is reliably known',
    uid: 'drops happen in softirq, where no process is reliably known',
    comm: 'drops happen in softirq, where no process is reliably known',
  },

  async run(ctx, p): Promise<TcpdropData> {
    const kernel = dropReasons(ctx.kernelEnum('skb_drop_reason'), ctx.kernelEnum('skb_drop_reason_subsys'));
    const notSpecified = kernel.value('NOT_SPECIFIED') ?? 0;
    const overflowReason = kernel.value('TCP_LISTEN_OVERFLOW') ?? OVERFLOW_SENTINEL;
    const names = withOverflow(kernel, overflowReason);
    const bpf = await ctx.load<Names>({
      globals: { ...globalsFor(p, notSpecified), targ_overflow_reason: overflowReason, ...listenerGlobals() },
      // task.h's owner map is unused here: keep it small
      maxEntries: { sk_owners: 64, events: ringSize(p.eventLimit) },
      // the baseline: each listener's drop counter when the job starts (listen() during the job adds the others)
      onAttach: (b) => passListeners(b, 'tcpdrop', 'tcpdrop_listeners'),
    });
    const rxSk = !bpf.variant.endsWith('_no_rx_sk');
    // the listeners' drop counters less the drops at tcp_v{4,6}_rcv: by rx_sk, or by the tcp_check_req hook
    const countsListenDrops = rxSk || bpf.variant !== 'tp_btf_no_rx_sk';
    const hook = bpf.variant.replace('_no_rx_sk', '');
    const countedBy: OverflowCountedBy | null =
      hook === 'fentry' || hook === 'kprobe' ? hook : rxSk && kernel.value('TCP_LISTEN_OVERFLOW') !== undefined ? 'listener_drops' : null;
    if (!rxSk)
      ctx.warn(
        "kfree_skb passes no rx_sk on this kernel: an inbound segment dropped before it is attached to a socket shows no socket (state '-', tuple from the headers)",
      );
    if (countedBy === 'listener_drops')
      ctx.warn(
        "no fentry or kprobe here: SYNs refused at a full accept queue are counted from each listener's own drop counter over the job (reasons and listenOverflows, not flows, stacks or events); completed handshakes are TCP_LISTEN_OVERFLOW drops",
      );
    else if (countedBy === null) ctx.warn('listen overflows are not counted on this kernel: no fentry or kprobe on tcp_conn_request, and no TCP_LISTEN_OVERFLOW drop reason');
    if (countedBy === 'listener_drops' && (p.rport.length > 0 || p.raddr))
      ctx.warn('rport/raddr filters: SYNs refused at a full accept queue are counted per listener, whatever their remote side');
    await ctx.wait();
    // still attached: this read includes everything up to now
    const sockets = passListeners(bpf, 'tcpdrop', 'tcpdrop_listeners').map((l) => listenerFigures(l, countedBy, countsListenDrops));
    return report(ctx, bpf, p, names, overflowReason, { countedBy, sockets, countsListenDrops });
  },

  render: (data, p) => renderTcpdrop(data, p),
});

/** a power of two holding eventLimit records of 128 bytes (120 + the 8-byte ring header), at least 4 KiB */
function ringSize(limit: number): number {
  let size = 4096;
  while (size < (limit + 16) * 128) size *= 2;
  return size;
}

/** the kernel's names, and TCP_LISTEN_OVERFLOW for the value overflows are counted under */
function withOverflow(k: DropReasons, overflow: number): DropReasons {
  return {
    name: (v) => (v === overflow ? 'TCP_LISTEN_OVERFLOW' : k.name(v)),
    value: (n) => (n === 'TCP_LISTEN_OVERFLOW' || n === 'SKB_DROP_REASON_TCP_LISTEN_OVERFLOW' ? overflow : k.value(n)),
    subsystem: (v) => (v === overflow ? 'CORE' : k.subsystem(v)),
  };
}

interface Listening {
  countedBy: OverflowCountedBy | null;
  sockets: ListenerSocket[];
  countsListenDrops: boolean;
}

async function report(ctx: ProbeContext, bpf: LoadedBpf, p: TcpdropParams, names: DropReasons, overflowReason: number, l: Listening): Promise<TcpdropData> {
  const syms = kallsyms();
  const stackCache = new Map<number, string[]>();
  const stack = (id: number): string[] => {
    if (id < 0) return [];
    let s = stackCache.get(id);
    if (!s) {
      try {
        s = symbolizeStack(bpf.stack('stacks', id), syms);
      } catch {
        s = [];
      }
      stackCache.set(id, s);
    }
    return s;
  };

  const counted = decodeReasonCounts(bpf.readMap('reasons'));
  // SYNs refused at a full queue, counted from the listeners where no hook saw them one by one
  const synByCounter = l.countedBy === 'listener_drops' ? l.sockets.reduce((n, s) => n + s.synOverflows, 0) : 0;
  if (synByCounter > 0) {
    const row = counted.find((r) => r.value === overflowReason);
    if (row) row.count += synByCounter;
    else counted.push({ value: overflowReason, count: synByCounter });
  }
  const reasons = counted
    .map((r) => ({ reason: names.name(r.value), value: r.value, subsystem: names.subsystem(r.value), count: r.count }))
    .sort((a, b) => b.count - a.count || a.value - b.value);
  const total = decodeScalar('u64', bpf.readGlobal('drops_total')) + synByCounter;

  const rawFlows = decodeFlows(bpf.readMap('flows')).sort((a, b) => b.count - a.count || a.lport - b.lport);
  const flows = rawFlows.slice(0, p.topFlows).map((f) => ({
    family: f.family,
    laddr: f.laddr,
    lport: f.lport,
    raddr: f.raddr,
    rport: f.rport,
    reason: names.name(f.reason),
    cgroup: f.cgroup,
    count: f.count,
    state: stateName(f.state),
    flags: tcpFlags(f.flags),
  }));

  const stackCounts = decodeStackCounts(bpf.readMap('stack_counts'));
  const stacks = stackCounts
    .filter((s) => s.stackId >= 0)
    .sort((a, b) => b.count - a.count || a.stackId - b.stackId)
    .slice(0, p.topStacks)
    .map((s) => ({ reason: names.name(s.reason), count: s.count, frames: stack(s.stackId) }));
  const stacklessDrops = stackCounts.filter((s) => s.stackId < 0).reduce((n, s) => n + s.count, 0);

  const raw: RawDropEvent[] = [];
  const ring = bpf.ringbuf('events');
  for (let round = 0; round < 64; round++) {
    const { buf, records } = ring.consume();
    if (records === 0) break;
    for (const s of splitRecords(buf, records)) raw.push(decodeEvent(s));
  }
  const events = raw
    .sort((a, b) => (BigInt(a.tsNs) < BigInt(b.tsNs) ? -1 : 1))
    .slice(0, p.eventLimit)
    .map((e) => ({
      time: e.time,
      skaddr: e.hasSocket ? e.skaddr : null,
      netns: e.netns,
      family: e.family,
      laddr: e.laddr,
      lport: e.lport,
      raddr: e.raddr,
      rport: e.rport,
      reason: names.name(e.reason),
      state: stateName(e.state),
      flags: tcpFlags(e.flags),
      cgroup: e.cgroup,
      location: syms.format(e.location),
      stack: stack(e.stackId),
    }));

  const owners = isOwnerBy(p.by) ? { owners: sumByOwner(rawFlows, await ownerGroupsOf(ctx, rawFlows.map((f) => f.cgroup), p.by), ['count'], 'flows') } : {};

  return {
    total,
    reasons,
    flows,
    ...owners,
    flowCount: rawFlows.length,
    flowsMissed: decodeScalar('u64', bpf.readGlobal('flows_missed')),
    stacks,
    stackCount: stackCounts.filter((s) => s.stackId >= 0).length,
    stacklessDrops,
    events,
    eventsOmitted: Math.max(0, total - events.length),
    listenOverflows: {
      count: l.countedBy === null ? 0 : (reasons.find((r) => r.value === overflowReason)?.count ?? 0),
      countedBy: l.countedBy,
      listenDrops: l.countsListenDrops ? l.sockets.reduce((n, s) => n + (s.listenDrops ?? 0), 0) : null,
      listeners: busyListeners(l.sockets),
    },
  };
}
