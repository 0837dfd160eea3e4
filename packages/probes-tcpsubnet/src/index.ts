import { collectIntervals, decodeScalar, defineProbe, distFile, groupRows, ownerGroupCache, packageVersion, type Owner, type OwnerGroup } from '@sonde/probe-sdk';
import { decodeSubnets, deltaSubnets, inUnit, type SubnetCount } from './decode.js';
import { globalsFor, params, UNITS, type TcpsubnetParams } from './params.js';
import { renderTcpsubnet } from './render.js';
import { counters } from './counters.js';
import { maps, type Names, type Program } from './layout.gen.js';

export { params, globalsFor, DEFAULT_SUBNETS, type TcpsubnetParams } from './params.js';
export type { SubnetCount } from './decode.js';

export interface SubnetRow extends Omit<SubnetCount, 'cgroup'> {
  /** bytes in the chosen unit */
  value: number;
  /** by pod / container: the owner's key ("shop/web-0", "shop/web-0/web"; a cgroup path outside any pod or container) */
  key?: string;
  /** by pod / container: the cgroup v2 id standing for the owner */
  cgroup?: string;
  /** who it is (attached by the control plane from `cgroup`) */
  owner?: Owner;
}

export interface SubnetTable {
  /** end of the interval (or of the job), ISO 8601 */
  at: string;
  /** subnets that saw traffic (per subnet and owner with `by`), most bytes first; `subnet: null` = matched no subnet */
  rows: SubnetRow[];
}

export interface TcpsubnetData {
  /** the list, normalised, in matching order */
  subnets: string[];
  unit: (typeof UNITS)[keyof typeof UNITS];
  /** rows per subnet (none), or per subnet and pod or container */
  by: TcpsubnetParams['by'];
  intervals: SubnetTable[];
  total: SubnetTable;
}

/** per subnet (and owner): bytes and sends, and `value`, the bytes in the chosen unit */
const subnetRows = {
  rows: { subnet: 'key', index: 'key', key: 'key', cgroup: 'key', owner: 'label', bytes: { count: 'bytes' }, sends: 'count', value: 'count' },
  sum: 'value',
} as const;

/** a table's rows: per subnet, or per subnet and owner group (their sends summed), most bytes first */
function tableRows(rows: SubnetCount[], p: TcpsubnetParams, groups: ReadonlyMap<string, OwnerGroup> | undefined): SubnetRow[] {
  const value = (r: { bytes: number }) => inUnit(r.bytes, p.units);
  if (!groups) return rows.map(({ cgroup: _c, ...r }) => ({ ...r, value: value(r) }));
  const merged = groupRows(
    rows,
    groups,
    (into, r) => {
      into.bytes += r.bytes;
      into.sends += r.sends;
    },
    (r) => String(r.index),
  );
  return merged
    .map(({ ownerKey, ...r }) => ({ ...r, key: ownerKey, value: value(r) }))
    .sort((a, b) => b.bytes - a.bytes || a.index - b.index || a.key.localeCompare(b.key));
}

export default defineProbe({
  name: 'tcpsubnet',
  version: packageVersion(import.meta.url),
  summary: 'TCP bytes sent per destination subnet from an ordered list (first match wins), per interval',
  output: 'report',
  shape: {
    fields: {
      subnets: 'setting',
      unit: 'setting',
      by: 'setting',
      intervals: { rows: { at: 'key', rows: subnetRows }, series: true },
      total: { fields: { at: 'label', rows: subnetRows }, whole: true },
    },
    by: 'by',
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
    // by pod/container: the owner group of each sending socket's cgroup, asked once per new cgroup
    const { groups, learn } = ownerGroupCache(ctx, p.by);
    const read = async () => {
      const snap = groups ? decodeSubnets(bpf.readMap('subnet_owner_bytes'), p.subnets, true) : decodeSubnets(bpf.readMap('subnet_bytes'), p.subnets);
      await learn([...snap.values()].map((r) => r.cgroup));
      return snap;
    };
    const table = (rows: SubnetCount[]): SubnetTable => ({ at: new Date().toISOString(), rows: tableRows(rows, p, groups) });
    const { series, final } = await collectIntervals(ctx, {
      intervalMs: p.intervalMs,
      read,
      report: (now, before) => table(deltaSubnets(now, before)),
      isEmpty: (t) => t.rows.length === 0,
    });
    const missed = decodeScalar('u64', bpf.readGlobal('keys_full'));
    if (missed > 0) ctx.warn(`subnet_owner_bytes map full (${maps.subnet_owner_bytes.maxEntries} subnet and owner rows): ${missed} sends of further owners were not counted`);
    return { subnets: p.subnets, unit: UNITS[p.units], by: p.by, intervals: series.map((s) => s.rows), total: table(deltaSubnets(final, undefined)) };
  },

  render: (data, p: TcpsubnetParams) => renderTcpsubnet(data, p),
});
