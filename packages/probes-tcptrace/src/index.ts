import { decodeScalar, defineProbe, distFile, drainEvents, packageVersion, ringEntries, type FeatureNeed } from '@sonde/probe-sdk';
import { decodeHists, decodeOpenPackets, decodePacket, type Packet, type StageHistogram } from './decode.js';
import { globalsFor, params } from './params.js';
import { renderTcptrace } from './render.js';
import { counters } from './counters.js';
import type { Names } from './layout.gen.js';

export type { Packet, Stage, StageHistogram } from './decode.js';
export { params, globalsFor, type TcptraceParams } from './params.js';

export interface TcptraceData {
  /** timelines, by time of their first stage; the first maxPackets to finish, then open ones */
  packets: Packet[];
  /** packets the kernel started tracking (passed the filters) */
  tracked: number;
  /** timelines left out past maxPackets */
  notKept: number;
  /** how many packets took each path (stage names joined with '>'), over the kept timelines */
  paths: Record<string, number>;
  /** stage-to-stage delays of every tracked packet, in stack order (nanoseconds) */
  stages: StageHistogram[];
}

/** the packet stages: tp_btf on every variant */
const PACKET_PROGRAMS = [
  'tcptrace_queue',
  'tcptrace_start_xmit',
  'tcptrace_xmit',
  'tcptrace_gro',
  'tcptrace_receive',
  'tcptrace_tcp',
  'tcptrace_consume',
  'tcptrace_drop',
];
const PACKET_NEEDS: FeatureNeed[] = [
  'net_dev_queue',
  'net_dev_start_xmit',
  'net_dev_xmit',
  'napi_gro_receive_entry',
  'netif_receive_skb',
  'tcp_probe',
  'consume_skb',
  'kfree_skb',
].map((event) => ({ kind: 'tp_btf', event }));

export default defineProbe({
  name: 'tcptrace',
  version: packageVersion(import.meta.url),
  summary: 'The life of TCP packets through the stack: per-packet timelines (time, CPU, device) and stage-to-stage latency histograms',
  output: 'report',
  shape: {
    fields: {
      packets: { events: { summary: { flow: ['saddr', 'sport', 'daddr', 'dport'], what: ['flags', 'len', 'dropReason'] } } },
      tracked: 'count',
      notKept: 'count',
      paths: { category: 'path' },
      stages: { rows: { from: 'key', to: 'key', hist: { histogram: 'nsecs', name: 'stages' } } },
    },
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcptrace.bpf.o'),
    variants: [
      {
        name: 'tp_btf',
        programs: [...PACKET_PROGRAMS, 'tcptrace_send', 'tcptrace_read'],
        needs: [...PACKET_NEEDS, { kind: 'tp_btf', event: 'sock_send_length' }, { kind: 'tp_btf', event: 'sock_recv_length' }],
      },
      // before 6.3: the packet stages stay tp_btf, the socket layer is tcp_sendmsg()/tcp_recvmsg()
      // returning (bpf/include/tcp_sendrecv.h); the read stage is then named tcp_recvmsg
      {
        name: 'tp_btf+fexit',
        programs: [...PACKET_PROGRAMS, 'tcptrace_fexit_send', 'tcptrace_fexit_read'],
        cannotSee: ['the socket-layer send stage of sendfile()/splice() (tcp_sendpage before 6.5)'],
        needs: [...PACKET_NEEDS, { kind: 'fentry', function: 'tcp_sendmsg' }, { kind: 'fentry', function: 'tcp_recvmsg' }],
      },
      {
        name: 'tp_btf+kprobe',
        programs: [...PACKET_PROGRAMS, 'tcptrace_kprobe_send', 'tcptrace_kretprobe_send', 'tcptrace_kprobe_read', 'tcptrace_kretprobe_read'],
        cannotSee: ['the socket-layer send stage of sendfile()/splice() (tcp_sendpage before 6.5)'],
        needs: [...PACKET_NEEDS, { kind: 'kprobe', function: 'tcp_sendmsg' }, { kind: 'kprobe', function: 'tcp_recvmsg' }],
      },
    ],
  },
  unsupportedFilters: {
    lport: 'a packet has a source and a destination, not a local and a remote end: use port (either end)',
    rport: 'a packet has a source and a destination, not a local and a remote end: use port (either end)',
    laddr: 'a packet has a source and a destination, not a local and a remote end: use addr (either end)',
    raddr: 'a packet has a source and a destination, not a local and a remote end: use addr (either end)',
  },

  async run(ctx, p): Promise<TcptraceData> {
    const bpf = await ctx.load<Names>({ globals: globalsFor(p), maxEntries: ringEntries(p.bufferKiB) });
    const packets: Packet[] = [];
    let notKept = 0;
    const keep = (pk: Packet) => {
      if (packets.length < p.maxPackets) packets.push(pk);
      else notKept++;
    };
    const emitted = new Set<string>();
    const timeline = (pk: Packet) => `${pk.skb}@${pk.stages[0]?.tsNs ?? ''}`;
    await drainEvents(ctx, bpf, { decode: decodePacket, onEvent: (pk: Packet) => (emitted.add(timeline(pk)), keep(pk)) });
    // programs are still attached: what is left in the map is alive right now — but for a timeline
    // finished a moment ago, whose record is sent before its map entry goes (bpf finish()): not twice
    for (const pk of decodeOpenPackets(bpf.readMap('pkts'))) if (!emitted.has(timeline(pk))) keep(pk);
    packets.sort((a, b) => (BigInt(a.stages[0]!.tsNs) < BigInt(b.stages[0]!.tsNs) ? -1 : 1));
    const paths: Record<string, number> = {};
    for (const pk of packets) {
      const path = pk.stages.map((s) => s.stage).join('>');
      paths[path] = (paths[path] ?? 0) + 1;
    }
    const tracked = decodeScalar('u64', bpf.readGlobal('pkts_tracked'));
    if (notKept > 0) ctx.warn(`kept the first ${packets.length} timelines; ${notKept} more are only in the histograms (maxPackets)`);
    return { packets, tracked, notKept, paths, stages: decodeHists(bpf.readMap('hists')) };
  },

  render: (data) => renderTcptrace(data),
});
