/**
 * tcpreset: TCP resets sent and received, per flow and per reason, with the owning process.
 *
 * Sent resets carry the kernel's reason (`enum sk_rst_reason`, named from the running kernel's BTF)
 * from 6.10 on, where tcp_send_reset passes it; before 6.10 the kernel has no reasons and `reason` is
 * null. Received resets have none on any kernel (tcp_receive_reset passes none; a RST carries no
 * code). Counted in the kernel by direction and reason and per flow; each reset is also an event.
 */
import { acceptExitNeeds, defineProbe, distFile, drainEvents, decodeScalar, packageVersion, ringEntries, type FeatureNeed, type HookVariant } from '@sonde/probe-sdk';
import { counters } from './counters.js';
import { decodeEvent, decodeFlows, decodeHeld, decodeReasons, rstReasons, type ReasonCount, type ResetEvent, type ResetFlow } from './decode.js';
import { globalsFor, params, type TcpresetParams } from './params.js';
import { render } from './render.js';
import type { Names, Program } from './layout.gen.js';

export { params, globalsFor, type TcpresetParams } from './params.js';
export { decodeEvent, rstReasons, type ResetEvent, type ResetFlow, type ReasonCount, type Direction } from './decode.js';
export { render } from './render.js';

export interface TcpresetData {
  /** every reset that passed the filters, counted in the kernel (also past the stored-events cap) */
  total: { sent: number; received: number };
  /** per direction and reason (received: reason null) */
  reasons: ReasonCount[];
  /** the topFlows flows with most resets: one row per connection, direction and reason */
  flows: ResetFlow[];
  flowCount: number;
  /** resets counted in total and reasons whose flow did not fit the kernel's table */
  flowsMissed: number;
  /** the loader adds the kept events here */
  events?: ResetEvent[];
}

const NO_REASON_BEFORE_610 = 'reasons (null): before 6.10 the kernel passes none (enum sk_rst_reason and the reason argument of tcp_send_reset came in 6.10)';

const state = (t: 'tp_btf' | 'tracepoint'): FeatureNeed =>
  t === 'tp_btf' ? { kind: 'tp_btf', event: 'inet_sock_set_state' } : { kind: 'tracepoint', category: 'sock', event: 'inet_sock_set_state' };
const owners = (t: 'tp_btf' | 'tracepoint'): Program[] => [t === 'tp_btf' ? 'tcpreset_btf' : 'tcpreset_tp', 'tcpreset_acc4', 'tcpreset_acc'];

/** before 6.10: the socket's own resets on the 2-argument tracepoint, replies on fentry or kprobe */
function hooked(hook: 'fentry' | 'kprobe'): HookVariant {
  const p = hook === 'fentry' ? 'tcpreset_fe' : 'tcpreset_kp';
  return {
    name: hook,
    programs: ['tcpreset_act2', `${p}4`, `${p}6`, 'tcpreset_rcv', ...owners('tp_btf')] satisfies Program[],
    needs: [
      { kind: 'tp_btf', event: 'tcp_send_reset', args: 2 },
      { kind: hook, function: 'tcp_v4_send_reset' },
      { kind: hook, function: 'tcp_v6_send_reset' },
      { kind: 'tp_btf', event: 'tcp_receive_reset' },
      state('tp_btf'),
      ...acceptExitNeeds,
    ],
    cannotSee: [
      NO_REASON_BEFORE_610,
      'a reply the kernel withholds after all (a TCP-MD5 mismatch, a segment not addressed to this host) is counted: the hook runs before those checks',
    ],
  };
}

const variants: HookVariant[] = [
  {
    name: 'tp_btf',
    programs: ['tcpreset_snd', 'tcpreset_rcv', ...owners('tp_btf')] satisfies Program[],
    needs: [{ kind: 'tp_btf', event: 'tcp_send_reset', args: 3 }, { kind: 'tp_btf', event: 'tcp_receive_reset' }, state('tp_btf'), ...acceptExitNeeds],
  },
  {
    name: 'tracepoint',
    programs: ['tcpreset_sndtp', 'tcpreset_rcvtp', ...owners('tracepoint')] satisfies Program[],
    needs: [
      { kind: 'tracepoint', category: 'tcp', event: 'tcp_send_reset' },
      { kind: 'btf_field', struct: 'trace_event_raw_tcp_send_reset', field: 'reason' },
      { kind: 'tracepoint', category: 'tcp', event: 'tcp_receive_reset' },
      state('tracepoint'),
      ...acceptExitNeeds,
    ],
  },
  hooked('fentry'),
  hooked('kprobe'),
  {
    name: 'tp_btf_full_sk',
    programs: ['tcpreset_snd2', 'tcpreset_rcv', ...owners('tp_btf')] satisfies Program[],
    needs: [{ kind: 'tp_btf', event: 'tcp_send_reset', args: 2 }, { kind: 'tp_btf', event: 'tcp_receive_reset' }, state('tp_btf'), ...acceptExitNeeds],
    cannotSee: [
      NO_REASON_BEFORE_610,
      'resets sent for a segment no socket took (a connect to a closed port) or by a time-wait socket: before 6.10 tcp_send_reset fires for full sockets only, and neither fentry nor a kprobe reaches tcp_v{4,6}_send_reset here',
    ],
  },
];

export default defineProbe({
  name: 'tcpreset',
  version: packageVersion(import.meta.url),
  summary: 'TCP resets sent and received, per flow and per reason, with the owning process',
  output: 'events',
  shape: {
    fields: {
      total: { fields: { sent: 'count', received: 'count' } },
      reasons: { rows: { direction: 'key', reason: 'key', count: 'count' }, sum: 'count' },
      flows: {
        rows: {
          direction: 'key', family: 'key', laddr: 'key', lport: 'key', raddr: 'key', rport: 'key', netns: 'key', reason: 'key', cgroup: 'key',
          owner: 'label', pid: 'label', comm: 'label', count: 'count',
        },
        sum: 'count',
      },
      flowCount: 'count',
      flowsMissed: 'count',
      events: { events: { time: 'time', summary: { who: 'comm', flow: ['laddr', 'lport', 'raddr', 'rport'], what: ['direction', 'reason', 'state'] } } },
    },
  },
  params,
  counters,
  bpf: { object: distFile(import.meta.url, 'tcpreset.bpf.o'), variants },

  async run(ctx, p): Promise<TcpresetData> {
    const reasons = rstReasons(ctx.kernelEnum('sk_rst_reason'));
    const bpf = await ctx.load<Names>({ globals: globalsFor(p), maxEntries: ringEntries(p.bufferKiB) });
    if (bpf.variant !== 'tp_btf' && bpf.variant !== 'tracepoint') ctx.warn(`sent resets have no reason on this kernel (null): ${NO_REASON_BEFORE_610}`);
    await drainEvents(ctx, bpf, { decode: (b) => decodeEvent(b, reasons) });

    const totals = bpf.readMap('totals');
    const data: TcpresetData = {
      total: { sent: decodeScalar('u64', totals.values, 0), received: decodeScalar('u64', totals.values, 8) },
      reasons: decodeReasons(bpf.readMap('reasons'), reasons),
      flows: decodeFlows(bpf.readMap('flows'), reasons),
      flowCount: 0,
      flowsMissed: decodeScalar('u64', bpf.readGlobal('flows_missed')),
    };
    // received resets of closed sockets still held (the kernel reports them once they are HOLD_NS old)
    const held = decodeHeld(bpf.readMap('rx_held'), reasons);
    if (held.length) {
      for (const e of held) addHeld(data, e);
      ctx.emit(held);
    }
    data.reasons.sort((a, b) => b.count - a.count || a.direction.localeCompare(b.direction));
    data.flows.sort((a, b) => b.count - a.count || a.lport - b.lport);
    data.flowCount = data.flows.length;
    data.flows = data.flows.slice(0, p.topFlows);
    return data;
  },

  render: (data) => render(data),
});

/** a received reset the kernel still held at the end: counted here, as the kernel counts the others */
function addHeld(d: TcpresetData, e: ResetEvent): void {
  d.total.received++;
  const r = d.reasons.find((x) => x.direction === 'received' && x.reason === null);
  if (r) r.count++;
  else d.reasons.push({ direction: 'received', reason: null, count: 1 });
  const f = d.flows.find(
    (x) => x.direction === 'received' && x.reason === null && x.netns === e.netns && x.lport === e.lport && x.rport === e.rport && x.laddr === e.laddr && x.raddr === e.raddr,
  );
  if (f) f.count++;
  else
    d.flows.push({
      direction: 'received', family: e.family, laddr: e.laddr, lport: e.lport, raddr: e.raddr, rport: e.rport, netns: e.netns, reason: null,
      cgroup: e.cgroup, pid: e.pid, comm: e.comm, count: 1,
    });
}

