/**
 * tcpdrop: TCP segments the kernel drops, as a report — counts by drop reason (names from the running
 * kernel's BTF), by flow, by kernel stack (symbolized from /proc/kallsyms), and the first drops as
 * events with state, TCP flags and stack. Counted in the kernel on tp_btf/kfree_skb.
 */
import {
  defineProbe,
  distFile,
  dropReasons,
  kallsyms,
  packageVersion,
  splitRecords,
  symbolizeStack,
  type DropReasons,
  type IpFamily,
  type LoadedBpf,
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
}

export default defineProbe({
  name: 'tcpdrop',
  version: packageVersion(import.meta.url),
  summary: 'TCP drops by kernel drop reason, flow and kernel stack, with the first drops as events (state, flags, stack)',
  output: 'report',
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcpdrop.bpf.o'),
    variants: [
      // 6.11+: rx_sk names the socket of an inbound drop
      { name: 'tp_btf', programs: ['tcpdrop_kfree_skb'], needs: [{ kind: 'tp_btf', event: 'kfree_skb', args: 4 }] },
      // 5.17..6.10: (skb, location, reason); inbound drops have only skb->sk
      {
        name: 'tp_btf_no_rx_sk',
        programs: ['tcpdrop_kfree_skb3'],
        needs: [{ kind: 'tp_btf', event: 'kfree_skb', args: 3 }],
        cannotSee: ["the socket of an inbound segment dropped before it is attached to one (kfree_skb's rx_sk is 6.11+): state '-', tuple from the headers"],
      },
    ],
  },
  unsupportedFilters: {
    pid: 'drops happen in softirq, where no process is reliably known',
    uid: 'drops happen in softirq, where no process is reliably known',
    comm: 'drops happen in softirq, where no process is reliably known',
    cgroup: 'drops happen in softirq, where no process is reliably known',
  },

  async run(ctx, p): Promise<TcpdropData> {
    const names = dropReasons(ctx.kernelEnum('skb_drop_reason'), ctx.kernelEnum('skb_drop_reason_subsys'));
    const notSpecified = names.value('NOT_SPECIFIED') ?? 0;
    const bpf = await ctx.load({
      globals: globalsFor(p, notSpecified),
      // task.h's owner map is unused here: keep it small
      maxEntries: { sk_owners: 64, events: ringSize(p.eventLimit) },
    });
    if (bpf.variant === 'tp_btf_no_rx_sk')
      ctx.warn(
        "kfree_skb passes no rx_sk on this kernel: an inbound segment dropped before it is attached to a socket shows no socket (state '-', tuple from the headers)",
      );
    if (names.value('TCP_LISTEN_OVERFLOW') === undefined)
      ctx.warn(
        'this kernel has no TCP_LISTEN_OVERFLOW drop reason: a completed handshake that meets a full accept queue is freed as NOT_SPECIFIED (nstat TcpExtListenOverflows counts it)',
      );
    await ctx.wait();
    // still attached: this read includes everything up to now
    return report(bpf, p, names);
  },

  render: (data, p) => renderTcpdrop(data, p),
});

/** a power of two holding eventLimit records of 128 bytes (120 + the 8-byte ring header), at least 4 KiB */
function ringSize(limit: number): number {
  let size = 4096;
  while (size < (limit + 16) * 128) size *= 2;
  return size;
}

function report(bpf: LoadedBpf, p: TcpdropParams, names: DropReasons): TcpdropData {
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

  const reasons = decodeReasonCounts(bpf.readMap('reasons'))
    .map((r) => ({ reason: names.name(r.value), value: r.value, subsystem: names.subsystem(r.value), count: r.count }))
    .sort((a, b) => b.count - a.count || a.value - b.value);
  const total = Number(bpf.readGlobal('drops_total').readBigUInt64LE(0));

  const rawFlows = decodeFlows(bpf.readMap('flows')).sort((a, b) => b.count - a.count || a.lport - b.lport);
  const flows = rawFlows.slice(0, p.topFlows).map((f) => ({
    family: f.family,
    laddr: f.laddr,
    lport: f.lport,
    raddr: f.raddr,
    rport: f.rport,
    reason: names.name(f.reason),
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
      location: syms.format(e.location),
      stack: stack(e.stackId),
    }));

  return {
    total,
    reasons,
    flows,
    flowCount: rawFlows.length,
    flowsMissed: Number(bpf.readGlobal('flows_missed').readBigUInt64LE(0)),
    stacks,
    stackCount: stackCounts.filter((s) => s.stackId >= 0).length,
    stacklessDrops,
    events,
    eventsOmitted: Math.max(0, total - events.length),
  };
}
