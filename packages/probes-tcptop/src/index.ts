import { readFileSync } from 'node:fs';
import { collectIntervals, defineProbe, distFile, packageVersion } from '@sonde/probe-sdk';
import { decodeFlows, deltaFlows, MAX_FLOWS, sortRows, type TopRow } from './decode.js';
import { globalsFor, params, type TcptopParams } from './params.js';
import { renderTcptop } from './render.js';
import { counters } from './counters.js';

export type { TopRow } from './decode.js';
export { params, globalsFor, type TcptopParams } from './params.js';

export interface TopTable {
  /** end of the interval (or of the job for `total`), ISO 8601 */
  at: string;
  /** /proc/loadavg at that moment, as upstream prints it */
  loadavg: string;
  /** the top `rows` rows, sorted by `sort` */
  rows: TopRow[];
  /** over every row of the table, not only the top ones */
  rxBytes: number;
  txBytes: number;
  /** rows before the top-N cut */
  flows: number;
}

export interface TcptopData {
  sort: TcptopParams['sort'];
  /** true with noClear: interval tables hold totals since the start */
  cumulative: boolean;
  /** one table per interval; the last may be shorter (the job ended) */
  intervals: TopTable[];
  /** the whole job */
  total: TopTable;
}

function loadavg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim();
  } catch {
    return '';
  }
}

function table(at: string, all: TopRow[], p: TcptopParams): TopTable {
  const sorted = sortRows(all, p.sort);
  return {
    at,
    loadavg: loadavg(),
    rows: sorted.slice(0, p.rows),
    rxBytes: all.reduce((s, r) => s + r.rxBytes, 0),
    txBytes: all.reduce((s, r) => s + r.txBytes, 0),
    flows: all.length,
  };
}

export default defineProbe({
  name: 'tcptop',
  version: packageVersion(import.meta.url),
  summary: 'Top TCP talkers: bytes each process sent and received per connection, per interval, sorted',
  output: 'report',
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcptop.bpf.o'),
    variants: [
      {
        name: 'tp_btf',
        programs: ['tcptop_send', 'tcptop_recv'],
        needs: [
          { kind: 'tp_btf', event: 'sock_send_length' },
          { kind: 'tp_btf', event: 'sock_recv_length' },
        ],
      },
      // before 6.3: the TCP proto handlers' return values (bpf/include/tcp_sendrecv.h)
      {
        name: 'fexit',
        programs: ['tcptop_fexit_send', 'tcptop_fexit_recv'],
        cannotSee: ['bytes that sendfile()/splice() push through tcp_sendpage (kernels before 6.5) instead of tcp_sendmsg'],
        needs: [
          { kind: 'fentry', function: 'tcp_sendmsg' },
          { kind: 'fentry', function: 'tcp_recvmsg' },
        ],
      },
      {
        name: 'kprobe',
        programs: ['tcptop_kprobe_send', 'tcptop_kretprobe_send', 'tcptop_kprobe_recv', 'tcptop_kretprobe_recv'],
        cannotSee: ['bytes that sendfile()/splice() push through tcp_sendpage (kernels before 6.5) instead of tcp_sendmsg'],
        needs: [
          { kind: 'kprobe', function: 'tcp_sendmsg' },
          { kind: 'kprobe', function: 'tcp_recvmsg' },
        ],
      },
    ],
  },

  async run(ctx, p): Promise<TcptopData> {
    const bpf = await ctx.load({ globals: globalsFor(p) });
    type Snap = Map<string, TopRow>;
    const { series, final } = await collectIntervals<Snap, TopTable>(ctx, {
      intervalMs: p.intervalMs,
      count: p.count,
      read: () => decodeFlows(bpf.readMap('flows')),
      report: (now, before) => table(new Date().toISOString(), p.noClear ? deltaFlows(now, undefined) : deltaFlows(now, before), p),
      isEmpty: (t) => t.flows === 0,
    });
    const missed = bpf.readGlobal('flows_full').readBigUInt64LE(0);
    if (missed > 0n || final.size >= MAX_FLOWS) {
      ctx.warn(`flows map full (${MAX_FLOWS} rows): ${missed} send/receive calls of further connections were not counted`);
    }
    return { sort: p.sort, cumulative: p.noClear, intervals: series.map((s) => s.rows), total: table(new Date().toISOString(), deltaFlows(final, undefined), p) };
  },

  render: (data, p) => renderTcptop(data, p),
});
