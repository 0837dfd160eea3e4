/**
 * tcpretrans: TCP retransmits as events — owner, tuple, state, sequence number, segments — like
 * bcc's tcpretrans, from the tcp_retransmit_skb and tcp_retransmit_synack tracepoints. Beyond
 * upstream: failed attempts (6.17+) are not counted, SYN-ACK retransmits are seen, the owner is the
 * socket's process rather than whoever was on the CPU, and per-flow counts are always in the result.
 */
import {
  acceptExitNeeds,
  defineProbe,
  distFile,
  drainEvents,
  isOwnerBy,
  NotSupportedError,
  ownerGroupsOf,
  packageVersion,
  ringEntries,
  sumByOwner,
  type FeatureNeed,
  type HookVariant,
  type OwnerTotals,
} from '@sonde/probe-sdk';
import { decodeEvent, decodeFlows, MAX_FLOWS, type Flow, type TcpretransEvent } from './decode.js';
import { globalsFor, params, TLP_UNAVAILABLE } from './params.js';
import { renderTcpretrans } from './render.js';
import { counters } from './counters.js';
import type { Names } from './layout.gen.js';

export type { TcpretransEvent, Flow } from './decode.js';
export { decodeEvent } from './decode.js';
export { params, globalsFor, TLP_UNAVAILABLE, type TcpretransParams } from './params.js';

/**
 * The retransmit hooks, best first. `tcp_retransmit_skb` gained `err` in 6.17: before it, tp_btf passes
 * (sk, skb) and the classic record is the `tcp_event_sk_skb` class. Chosen by the kernel's BTF, never
 * by version.
 */
const synack = { tp_btf: 'tcpretrans_syn', tracepoint: 'tcpretrans_syntp' };
const stateBtf: FeatureNeed = { kind: 'tp_btf', event: 'inet_sock_set_state' };
const stateTp: FeatureNeed = { kind: 'tracepoint', category: 'sock', event: 'inet_sock_set_state' };
const synBtf: FeatureNeed = { kind: 'tp_btf', event: 'tcp_retransmit_synack' };
const synTp: FeatureNeed = { kind: 'tracepoint', category: 'tcp', event: 'tcp_retransmit_synack' };
const retransTp: FeatureNeed = { kind: 'tracepoint', category: 'tcp', event: 'tcp_retransmit_skb' };
const accepts = ['tcpretrans_ac4', 'tcpretrans_acc'];
const base: HookVariant[] = [
  {
    name: 'tp_btf',
    programs: ['tcpretrans_btf', synack.tp_btf, 'tcpretrans_st', ...accepts],
    needs: [{ kind: 'tp_btf', event: 'tcp_retransmit_skb', args: 3 }, synBtf, stateBtf, ...acceptExitNeeds],
  },
  {
    name: 'tp_btf_2arg',
    programs: ['tcpretrans_btf2', synack.tp_btf, 'tcpretrans_st', ...accepts],
    needs: [{ kind: 'tp_btf', event: 'tcp_retransmit_skb', args: 2 }, synBtf, stateBtf, ...acceptExitNeeds],
  },
  {
    name: 'tracepoint',
    programs: ['tcpretrans_tp', synack.tracepoint, 'tcpretrans_sttp', ...accepts],
    needs: [retransTp, { kind: 'btf_field', struct: 'trace_event_raw_tcp_retransmit_skb', field: 'skbaddr' }, synTp, stateTp, ...acceptExitNeeds],
  },
  {
    name: 'tracepoint_sk_skb',
    programs: ['tcpretrans_tp_sk_skb', synack.tracepoint, 'tcpretrans_sttp', ...accepts],
    needs: [retransTp, { kind: 'btf_field', struct: 'trace_event_raw_tcp_event_sk_skb', field: 'skbaddr' }, synTp, stateTp, ...acceptExitNeeds],
  },
  // without tracefs: owners from connect/listen/close only
  {
    name: 'tp_btf_only',
    programs: ['tcpretrans_btf', synack.tp_btf, 'tcpretrans_st'],
    needs: [{ kind: 'tp_btf', event: 'tcp_retransmit_skb', args: 3 }, synBtf, stateBtf],
  },
  {
    name: 'tp_btf_2arg_only',
    programs: ['tcpretrans_btf2', synack.tp_btf, 'tcpretrans_st'],
    needs: [{ kind: 'tp_btf', event: 'tcp_retransmit_skb', args: 2 }, synBtf, stateBtf],
  },
];

/**
 * Tail-loss probes ride along where `tcp_send_loss_probe` can be hooked: fentry/fexit first, then
 * kprobe/kretprobe. Each base variant comes with them first (`<base>+fentry_tlp`, `<base>+kprobe_tlp`)
 * and alone last; the TLP programs do nothing unless `tlp` is asked for.
 */
export const TLP_SUFFIXES = ['+fentry_tlp', '+kprobe_tlp'] as const;
const variants: HookVariant[] = base.flatMap((v) => [
  { name: `${v.name}+fentry_tlp`, programs: [...v.programs, 'tcpretrans_tlp_in', 'tcpretrans_tlp_out'], needs: [...v.needs, { kind: 'fentry', function: 'tcp_send_loss_probe' }] },
  { name: `${v.name}+kprobe_tlp`, programs: [...v.programs, 'tcpretrans_tlp_kin', 'tcpretrans_tlp_kout'], needs: [...v.needs, { kind: 'kprobe', function: 'tcp_send_loss_probe' }] },
  v,
]);

/** whether a hook variant of this probe sees tail-loss probes */
export const variantSeesTlp = (variant: string): boolean => TLP_SUFFIXES.some((s) => variant.endsWith(s));

export interface TcpretransData {
  /** (filled in by the loader; none in count mode) the first retransmits, in order */
  events?: TcpretransEvent[];
  /** per flow, most retransmits first (upstream -c) */
  flows: Flow[];
  /**
   * totals over all flows: retransmitted skbs and SYN-ACKs, and their segments (TcpRetransSegs); with
   * `tlp`, the tail-loss probes sent (TcpExtTCPLossProbes); `syn`: SYNs and SYN-ACKs retransmitted
   * (TcpExtTCPSynRetrans), counted from the events (none in count mode)
   */
  total: { retransmits: number; segments: number; tlp?: number; syn?: number };
  /** with `by`: the flows summed per pod or container, most retransmits first */
  owners?: Array<OwnerTotals<'retransmits' | 'segments' | 'flows'> & { tlp?: number }>;
}

export default defineProbe({
  name: 'tcpretrans',
  version: packageVersion(import.meta.url),
  summary: 'TCP retransmits (and SYN-ACK retransmits) with state, sequence numbers and owner; per-flow counts',
  output: 'events',
  shape: {
    fields: {
      events: { events: { time: 'time', summary: { who: 'comm', flow: ['laddr', 'lport', 'raddr', 'rport'], what: ['type', 'state', 'segs'] } } },
      flows: {
        rows: {
          family: 'key', laddr: 'key', lport: 'key', raddr: 'key', rport: 'key', cgroup: 'key', owner: 'label',
          retransmits: 'count', segments: 'count', tlp: 'count',
        },
        sum: 'retransmits',
      },
      total: { fields: { retransmits: 'count', segments: 'count', tlp: 'count', syn: 'count' }, whole: true },
      owners: {
        rows: { key: 'key', cgroup: 'key', owner: 'label', retransmits: 'count', segments: 'count', flows: 'count', tlp: 'count' },
        sum: 'retransmits',
      },
    },
    aliases: { retransmits: 'events' },
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcpretrans.bpf.o'),
    variants,
  },
  refuseOnVariant: (p, variant) => (p.tlp && !variantSeesTlp(variant) ? `tail-loss probes (tlp): ${TLP_UNAVAILABLE}` : undefined),

  async run(ctx, p): Promise<TcpretransData> {
    const bpf = await ctx.load<Names>({ globals: globalsFor(p), maxEntries: ringEntries(p.bufferKiB) });
    // the loader takes the best variant this kernel has; tlp needs one that hooks tcp_send_loss_probe
    if (p.tlp && !variantSeesTlp(bpf.variant)) throw new NotSupportedError('tail-loss probes (tlp)', TLP_UNAVAILABLE);
    // a retransmit in SYN_SENT is the SYN; 'S' a SYN-ACK: what TcpExtTCPSynRetrans counts
    let syn = 0;
    await drainEvents(ctx, bpf, { decode: decodeEvent, onEvent: (e) => (e.type === 'S' || (e.type === 'R' && e.state === 'SYN_SENT') ? syn++ : 0) });
    const flows = decodeFlows(bpf.readMap('flows'));
    if (flows.length >= MAX_FLOWS) ctx.warn(`flows map full (${MAX_FLOWS} flows): retransmits of further flows were not counted`);
    const sums = flows.reduce((t, f) => ({ retransmits: t.retransmits + f.retransmits, segments: t.segments + f.segments }), { retransmits: 0, segments: 0 });
    const total = p.count ? sums : { ...sums, syn };
    const owners = isOwnerBy(p.by)
      ? { owners: sumByOwner(flows, await ownerGroupsOf(ctx, flows.map((f) => f.cgroup), p.by), p.tlp ? ['retransmits', 'segments', 'tlp'] : ['retransmits', 'segments'], 'flows') }
      : {};
    if (!p.tlp) return { flows: flows.map(({ tlp: _t, ...f }) => f), total, ...owners };
    return { flows, total: { ...total, tlp: flows.reduce((n, f) => n + (f.tlp ?? 0), 0) }, ...owners };
  },

  render: (data, p) => renderTcpretrans(data, p),
});
