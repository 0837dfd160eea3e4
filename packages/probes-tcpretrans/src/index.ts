/**
 * tcpretrans: TCP retransmits as events — owner, tuple, state, sequence number, segments — like
 * bcc's tcpretrans, from the tcp_retransmit_skb and tcp_retransmit_synack tracepoints. Beyond
 * upstream: failed attempts (6.17+) are not counted, SYN-ACK retransmits are seen, the owner is the
 * socket's process rather than whoever was on the CPU, and per-flow counts are always in the result.
 */
import { acceptExitNeeds, defineProbe, distFile, drainEvents, packageVersion, ringEntries } from '@sonde/probe-sdk';
import { decodeEvent, decodeFlows, MAX_FLOWS, type Flow, type TcpretransEvent } from './decode.js';
import { globalsFor, params } from './params.js';
import { renderTcpretrans } from './render.js';

export type { TcpretransEvent, Flow } from './decode.js';
export { decodeEvent } from './decode.js';
export { params, globalsFor, TLP_UNAVAILABLE, type TcpretransParams } from './params.js';

export interface TcpretransData {
  /** (filled in by the loader; none in count mode) the first retransmits, in order */
  events?: TcpretransEvent[];
  /** per flow, most retransmits first (upstream -c) */
  flows: Flow[];
  /** totals over all flows: retransmitted skbs and SYN-ACKs, and their segments (TcpRetransSegs) */
  total: { retransmits: number; segments: number };
}

export default defineProbe({
  name: 'tcpretrans',
  version: packageVersion(import.meta.url),
  summary: 'TCP retransmits (and SYN-ACK retransmits) with state, sequence numbers and owner; per-flow counts',
  output: 'events',
  params,
  bpf: {
    object: distFile(import.meta.url, 'tcpretrans.bpf.o'),
    variants: [
      {
        name: 'tp_btf',
        programs: ['tcpretrans_btf', 'tcpretrans_syn', 'tcpretrans_st', 'tcpretrans_ac4', 'tcpretrans_acc'],
        needs: [
          { kind: 'tp_btf', event: 'tcp_retransmit_skb' },
          { kind: 'tp_btf', event: 'tcp_retransmit_synack' },
          { kind: 'tp_btf', event: 'inet_sock_set_state' },
          ...acceptExitNeeds,
        ],
      },
      {
        name: 'tracepoint',
        programs: ['tcpretrans_tp', 'tcpretrans_syntp', 'tcpretrans_sttp', 'tcpretrans_ac4', 'tcpretrans_acc'],
        needs: [
          { kind: 'tracepoint', category: 'tcp', event: 'tcp_retransmit_skb' },
          { kind: 'tracepoint', category: 'tcp', event: 'tcp_retransmit_synack' },
          { kind: 'tracepoint', category: 'sock', event: 'inet_sock_set_state' },
          ...acceptExitNeeds,
        ],
      },
      // without tracefs: owners from connect/listen/close only
      {
        name: 'tp_btf_only',
        programs: ['tcpretrans_btf', 'tcpretrans_syn', 'tcpretrans_st'],
        needs: [
          { kind: 'tp_btf', event: 'tcp_retransmit_skb' },
          { kind: 'tp_btf', event: 'tcp_retransmit_synack' },
          { kind: 'tp_btf', event: 'inet_sock_set_state' },
        ],
      },
    ],
  },

  async run(ctx, p): Promise<TcpretransData> {
    const bpf = await ctx.load({ globals: globalsFor(p), maxEntries: ringEntries(p.bufferKiB) });
    await drainEvents(ctx, bpf, { decode: decodeEvent });
    const flows = decodeFlows(bpf.readMap('flows'));
    if (flows.length >= MAX_FLOWS) ctx.warn(`flows map full (${MAX_FLOWS} flows): retransmits of further flows were not counted`);
    const total = flows.reduce((t, f) => ({ retransmits: t.retransmits + f.retransmits, segments: t.segments + f.segments }), { retransmits: 0, segments: 0 });
    return { flows, total };
  },

  render: (data, p) => renderTcpretrans(data, p),
});
