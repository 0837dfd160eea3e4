/**
 * tcprtt: log2 histograms of TCP smoothed round-trip time, sampled by the kernel on every
 * segment received on an established connection (the tcp_probe tracepoint at the top of
 * tcp_rcv_established), aggregated in the kernel; optionally one per local or remote address
 * and a series per interval.
 */
import {
  collectIntervals,
  defineProbe,
  distFile,
  emptyHistogram,
  groupRows,
  isOwnerBy,
  mergeHistograms,
  ownerFilterOf,
  ownerGroupsOf,
  packageVersion,
  type Histogram,
  type OwnerBy,
  type ProbeContext,
} from '@sonde/probe-sdk';
import { decodeHists, deltaKeyed, indexById, MAX_ENTRIES, toKeyed, type KeyedHistogram, type RawHist } from './decode.js';
import { globalsFor, params } from './params.js';
import { renderTcprtt } from './render.js';
import { counters } from './counters.js';
import type { Names, Program } from './layout.gen.js';

export type { KeyedHistogram } from './decode.js';
export { params, globalsFor, type TcprttParams } from './params.js';

export interface TcprttData {
  unit: 'usecs' | 'msecs';
  by: 'none' | 'laddr' | 'raddr' | 'pod' | 'container';
  /** the whole job, busiest first; one entry (key null) when not grouped; none without samples */
  histograms: KeyedHistogram[];
  /** all histograms merged */
  total: Histogram;
  /** with intervalMs: what each interval added (the last one may be shorter) */
  series?: Array<{ at: string; histograms: KeyedHistogram[] }>;
}

export default defineProbe({
  name: 'tcprtt',
  version: packageVersion(import.meta.url),
  summary: 'TCP round-trip time (kernel smoothed RTT) as log2 histograms, overall or per local/remote address',
  output: 'histogram',
  shape: {
    fields: {
      unit: 'setting',
      by: 'setting',
      histograms: { rows: { key: 'key', family: 'key', cgroup: 'key', owner: 'label', hist: { histogram: ['usecs', 'msecs'], name: 'rtt' } } },
      total: { histogram: ['usecs', 'msecs'] },
      series: {
        rows: { at: 'key', histograms: { rows: { key: 'key', family: 'key', cgroup: 'key', owner: 'label', hist: { histogram: ['usecs', 'msecs'] } } } },
        series: true,
      },
    },
    histogram: { total: 'total', keyed: 'histograms' },
    by: 'by',
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcprtt.bpf.o'),
    variants: [
      { name: 'tp_btf', programs: ['tcprtt_tp_btf'] satisfies Program[], needs: [{ kind: 'tp_btf', event: 'tcp_probe' }] },
      { name: 'tracepoint', programs: ['tcprtt_tp'] satisfies Program[], needs: [{ kind: 'tracepoint', category: 'tcp', event: 'tcp_probe' }] },
    ],
  },
  // the classic tcp_probe record carries no socket pointer on older kernels: no namespace or cgroup to compare
  refuseOnVariant: (p, variant) => {
    if (variant !== 'tracepoint') return undefined;
    const why = 'the classic tcp/tcp_probe tracepoint (this kernel has no tp_btf for it) does not say which socket a sample is from';
    if (p.netns !== undefined) return `netns: ${why}`;
    if (ownerFilterOf(p)) return `owner filters (container, pod, podSelector, cgroup): ${why}`;
    if (isOwnerBy(p.by)) return `by ${p.by}: ${why}`;
    return undefined;
  },

  async run(ctx, p): Promise<TcprttData> {
    const bpf = await ctx.load<Names>({ globals: globalsFor(p) });
    const unit = p.units === 'ms' ? 'msecs' : 'usecs';
    // the programs stay attached until run() returns: the final read includes everything
    const { series, final } = await collectIntervals(ctx, {
      intervalMs: p.intervalMs,
      read: () => decodeHists(bpf.readMap('hists')),
      report: (now, before: RawHist[] | undefined) => deltaKeyed(now, indexById(before ?? []), unit),
      isEmpty: (histograms) => histograms.length === 0,
      entry: (at, histograms) => ({ at, histograms }),
    });
    if (p.by !== 'none' && final.length >= MAX_ENTRIES) {
      ctx.warn(`hists map full (${MAX_ENTRIES} addresses): samples from further addresses were not counted`);
    }
    let histograms = toKeyed(final, unit);
    const total = histograms.length > 0 ? mergeHistograms(histograms.map((h) => h.hist)) : emptyHistogram(unit);
    if (isOwnerBy(p.by)) {
      // the kernel keyed by cgroup; a pod's containers (a container's sub-cgroups) become one key
      const group = await byOwner(ctx, [histograms, ...series.map((s) => s.histograms)], p.by);
      histograms = group(histograms);
      for (const s of series) s.histograms = group(s.histograms);
    }
    return { unit, by: p.by, histograms, total, ...(p.intervalMs ? { series } : {}) };
  },

  render: (data, p) => renderTcprtt(data, p),
});

/** a grouping of cgroup-keyed histograms by owner: keys become owner keys, histograms merge, busiest first */
async function byOwner(ctx: ProbeContext, lists: KeyedHistogram[][], by: OwnerBy): Promise<(hs: KeyedHistogram[]) => KeyedHistogram[]> {
  const groups = await ownerGroupsOf(ctx, lists.flat().map((h) => h.cgroup ?? '0'), by);
  return (hs) =>
    groupRows(
      hs.map((h) => ({ ...h, cgroup: h.cgroup ?? '0' })),
      groups,
      (into, h) => {
        into.hist = mergeHistograms([into.hist, h.hist]);
      },
    )
      .map(({ ownerKey, ...h }) => ({ ...h, key: ownerKey }))
      .sort((a, b) => b.hist.count - a.hist.count || a.key.localeCompare(b.key));
}
