import { collectIntervals, defineProbe, distFile, packageVersion } from '@sonde/probe-sdk';
import { decodeSubnets, deltaSubnets, inUnit, type SubnetCount } from './decode.js';
import { globalsFor, params, UNITS, type TcpsubnetParams } from './params.js';
import { renderTcpsubnet } from './render.js';
import { counters } from './counters.js';
import type { Names, Program } from './layout.gen.js';

export { params, globalsFor, DEFAULT_SUBNETS, type TcpsubnetParams } from './params.js';
export type { SubnetCount } from './decode.js';

export interface SubnetRow extends SubnetCount {
  /** bytes in the chosen unit */
  value: number;
}

export interface SubnetTable {
  /** end of the interval (or of the job), ISO 8601 */
  at: string;
  /** subnets that saw traffic, most bytes first; `subnet: null` = matched no subnet */
  rows: SubnetRow[];
}

export interface TcpsubnetData {
  /** the list, normalised, in matching order */
  subnets: string[];
  unit: (typeof UNITS)[keyof typeof UNITS];
  intervals: SubnetTable[];
  total: SubnetTable;
}

/** per subnet: bytes and sends, and `value`, the bytes in the chosen unit */
const subnetRows = {
  rows: { subnet: 'key', index: 'key', bytes: { count: 'bytes' }, sends: 'count', value: 'count' },
  sum: 'value',
} as const;

export default defineProbe({
  name: 'tcpsubnet',
  version: packageVersion(import.meta.url),
  summary: 'TCP bytes sent per destination subnet from an ordered list (first match wins), per interval',
  output: 'report',
  shape: {
    fields: {
      subnets: 'setting',
      unit: 'setting',
      intervals: { rows: { at: 'key', rows: subnetRows }, series: true },
      total: { fields: { at: 'label', rows: subnetRows }, whole: true },
    },
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcpsubnet.bpf.o'),
    variants: [
      { name: 'tp_btf', programs: ['tcpsubnet_send'] satisfies Program[], needs: [{ kind: 'tp_btf', event: 'sock_send_length' }] },
      // before 6.3: tcp_sendmsg()'s return value (bpf/include/tcp_sendrecv.h)
      { name: 'fexit', programs: ['tcpsubnet_fexit_send'] satisfies Program[], needs: [{ kind: 'fentry', function: 'tcp_sendmsg' }], cannotSee: ['bytes that sendfile()/splice() push through tcp_sendpage (kernels before 6.5) instead of tcp_sendmsg'] },
      {
        name: 'kprobe',
        programs: ['tcpsubnet_kprobe_send', 'tcpsubnet_kretprobe_send'] satisfies Program[],
        cannotSee: ['bytes that sendfile()/splice() push through tcp_sendpage (kernels before 6.5) instead of tcp_sendmsg'],
        needs: [{ kind: 'kprobe', function: 'tcp_sendmsg' }],
      },
    ],
  },

  async run(ctx, p): Promise<TcpsubnetData> {
    const bpf = await ctx.load<Names>({ globals: globalsFor(p) });
    const table = (rows: SubnetCount[]): SubnetTable => ({
      at: new Date().toISOString(),
      rows: rows.map((r) => ({ ...r, value: inUnit(r.bytes, p.units) })),
    });
    const { series, final } = await collectIntervals(ctx, {
      intervalMs: p.intervalMs,
      read: () => decodeSubnets(bpf.readMap('subnet_bytes'), p.subnets),
      report: (now, before) => table(deltaSubnets(now, before)),
      isEmpty: (t) => t.rows.length === 0,
    });
    return { subnets: p.subnets, unit: UNITS[p.units], intervals: series.map((s) => s.rows), total: table(deltaSubnets(final, undefined)) };
  },

  render: (data, p: TcpsubnetParams) => renderTcpsubnet(data, p),
});
