import { readFileSync } from 'node:fs';
import { collectIntervals, decodeScalar, defineProbe, distFile, ownerGroupCache, packageVersion, sumByOwner, type Owner, type OwnerGroup } from '@sonde/probe-sdk';
import { decodeFlows, deltaFlows, MAX_FLOWS, sortRows, type SortKey, type TopRow } from './decode.js';
import { globalsFor, params, type TcptopParams } from './params.js';
import { renderTcptop } from './render.js';
import { counters } from './counters.js';
import type { Names, Program } from './layout.gen.js';

export type { TopRow } from './decode.js';
export { params, globalsFor, type TcptopParams } from './params.js';

/** by pod or container: one row per owner, its connections summed */
export interface OwnerRow {
  /** the owner's key: "shop/web-0", "shop/web-0/web"; a cgroup path outside any pod or container */
  key: string;
  /** the cgroup v2 id standing for the owner (the pod's own cgroup) */
  cgroup: string;
  /** who it is (attached by the control plane from `cgroup`) */
  owner?: Owner;
  rxBytes: number;
  txBytes: number;
  recvs: number;
  sends: number;
  /** process × connection rows summed into this one */
  connections: number;
}

export interface TopTable {
  /** end of the interval (or of the job for `total`), ISO 8601 */
  at: string;
  /** /proc/loadavg at that moment, as upstream prints it */
  loadavg: string;
  /** the top `rows` rows, sorted by `sort`: per process and connection, or per owner with `by` */
  rows: TopRow[] | OwnerRow[];
  /** over every row of the table, not only the top ones */
  rxBytes: number;
  txBytes: number;
  /** rows before the top-N cut */
  flows: number;
}

export interface TcptopData {
  sort: TcptopParams['sort'];
  /** rows per process and connection (none), or per pod or container */
  by?: TcptopParams['by'];
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

function sortOwnerRows(rows: OwnerRow[], by: SortKey): OwnerRow[] {
  const key = (r: OwnerRow) => (by === 'sent' ? r.txBytes : by === 'received' ? r.rxBytes : r.txBytes + r.rxBytes);
  return rows.sort((a, b) => key(b) - key(a) || a.key.localeCompare(b.key));
}

/** every row of a table summed per owner group, before the top-N cut */
function ownerRows(all: TopRow[], groups: ReadonlyMap<string, OwnerGroup>): OwnerRow[] {
  return sumByOwner(all, groups, ['rxBytes', 'txBytes', 'recvs', 'sends'], 'connections');
}

function table(at: string, all: TopRow[], p: TcptopParams, groups?: ReadonlyMap<string, OwnerGroup>): TopTable {
  return {
    at,
    loadavg: loadavg(),
    rows: groups ? sortOwnerRows(ownerRows(all, groups), p.sort).slice(0, p.rows) : sortRows(all, p.sort).slice(0, p.rows),
    rxBytes: all.reduce((s, r) => s + r.rxBytes, 0),
    txBytes: all.reduce((s, r) => s + r.txBytes, 0),
    flows: all.length,
  };
}

/** a table of rows per process and connection (or per owner with `by`), and its byte totals */
const topTable = {
  loadavg: 'label',
  rows: {
    rows: {
      family: 'key', laddr: 'key', lport: 'key', raddr: 'key', rport: 'key', pid: 'key', comm: 'label', key: 'key', cgroup: 'key', owner: 'label',
      rxBytes: { count: 'bytes' }, txBytes: { count: 'bytes' }, recvs: 'count', sends: 'count', connections: 'count',
    },
  },
  rxBytes: { count: 'bytes' },
  txBytes: { count: 'bytes' },
  flows: 'count',
} as const;

export default defineProbe({
  name: 'tcptop',
  version: packageVersion(import.meta.url),
  summary: 'Top TCP talkers: bytes each process sent and received per connection, per interval, sorted',
  output: 'report',
  shape: {
    fields: {
      sort: 'setting',
      by: 'setting',
      cumulative: 'setting',
      intervals: { rows: { ...topTable, at: 'key' }, series: true },
      total: { fields: { ...topTable, at: 'label' }, whole: true },
    },
    by: 'by',
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcptop.bpf.o'),
    variants: [
      {
        name: 'tp_btf',
        programs: ['tcptop_send', 'tcptop_recv'] satisfies Program[],
        needs: [
          { kind: 'tp_btf', event: 'sock_send_length' },
          { kind: 'tp_btf', event: 'sock_recv_length' },
        ],
      },
      // before 6.3: the TCP proto handlers' return values (bpf/include/tcp_sendrecv.h)
      {
        name: 'fexit',
        programs: ['tcptop_fexit_send', 'tcptop_fexit_recv'] satisfies Program[],
        cannotSee: ['bytes that sendfile()/splice() push through tcp_sendpage (kernels before 6.5) instead of tcp_sendmsg'],
        needs: [
          { kind: 'fentry', function: 'tcp_sendmsg' },
          { kind: 'fentry', function: 'tcp_recvmsg' },
        ],
      },
      {
        name: 'kprobe',
        programs: ['tcptop_kprobe_send', 'tcptop_kretprobe_send', 'tcptop_kprobe_recv', 'tcptop_kretprobe_recv'] satisfies Program[],
        cannotSee: ['bytes that sendfile()/splice() push through tcp_sendpage (kernels before 6.5) instead of tcp_sendmsg'],
        needs: [
          { kind: 'kprobe', function: 'tcp_sendmsg' },
          { kind: 'kprobe', function: 'tcp_recvmsg' },
        ],
      },
    ],
  },

  async run(ctx, p): Promise<TcptopData> {
    const bpf = await ctx.load<Names>({ globals: globalsFor(p) });
    type Snap = Map<string, TopRow>;
    // by pod/container: the owner group of each connection's cgroup, asked once per new cgroup
    const { groups, learn } = ownerGroupCache(ctx, p.by);
    const read = async (): Promise<Snap> => {
      const snap = decodeFlows(bpf.readMap('flows'));
      await learn([...snap.values()].map((r) => r.cgroup));
      return snap;
    };
    const { series, final } = await collectIntervals<Snap, TopTable>(ctx, {
      intervalMs: p.intervalMs,
      count: p.count,
      read,
      report: (now, before) => table(new Date().toISOString(), p.noClear ? deltaFlows(now, undefined) : deltaFlows(now, before), p, groups),
      isEmpty: (t) => t.flows === 0,
    });
    const missed = decodeScalar('u64', bpf.readGlobal('flows_full'));
    if (missed > 0 || final.size >= MAX_FLOWS) {
      ctx.warn(`flows map full (${MAX_FLOWS} rows): ${missed} send/receive calls of further connections were not counted`);
    }
    return {
      sort: p.sort,
      by: p.by,
      cumulative: p.noClear,
      intervals: series.map((s) => s.rows),
      total: table(new Date().toISOString(), deltaFlows(final, undefined), p, groups),
    };
  },

  render: (data, p) => renderTcptop(data, p),
});
