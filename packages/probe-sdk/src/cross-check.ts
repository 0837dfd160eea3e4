/**
 * Each probe declares which kernel counters answer to its figures (a listener probe's `overflows` ↔
 * `TcpExt.ListenOverflows`), and every result carries the cross-check: the traced figure, the
 * counter's delta over the job, and whether they agree — with the reason they may not. What
 * "agree" means follows from the pair and from the job: a filter narrower than the namespace lets the
 * counter be larger; hooks that see every namespace (no netns filter) let the figure be larger.
 */
import { counterDelta, type CounterSet } from './counters.js';
import { COMMON_FILTERS } from './task-filters.js';

/** How the counter's delta relates to the traced figure: 'atLeast' = delta >= traced. */
export type CounterExpect = 'equal' | 'atLeast' | 'atMost';

export interface CounterPair<D = any, P = any> {
  /** `Group.Name` as in nstat (`TcpExt.ListenOverflows`), or several summed (`IpExt.OutOctets` + `Ip6.OutOctets`) */
  counter: string | readonly string[];
  /** the figure, in the result's own words (`total.segments`) */
  figure: string;
  /** the figure from the probe's data; null or undefined when this result has none (another mode, a variant that cannot count it) */
  value(data: D, params: P): number | null | undefined;
  /** for a job that sees exactly the namespace; a function when it depends on how the data was counted */
  expect: CounterExpect | ((data: D, variant: string) => CounterExpect);
  /** why the two may differ even so, in a user's words */
  why: string;
  /** compare the counter's value at the end (a gauge such as Tcp.CurrEstab), not its delta */
  gauge?: boolean;
}

export interface CounterDeclaration<D = any, P = any> {
  pairs: Array<CounterPair<D, P>>;
  /**
   * the namespaces the hooks see when the job has no netns filter: 'all' (tracepoints and kprobes
   * fire for every namespace; the default) or 'own' (the namespace sonde runs in: socket iterators)
   */
  scope?: 'all' | 'own';
  /** with no pairs: why no kernel counter answers to this probe's figures */
  none?: string;
}

export interface CrossCheck {
  /** the counter (`TcpExt.ListenOverflows`), or the summed ones joined with '+' */
  counter: string;
  figure: string;
  traced: number;
  /** the counter's delta over the job (a gauge: its value at the end) */
  delta: number;
  /** what should hold for this job, delta against traced; 'none' when its filters allow either way */
  expect: CounterExpect | 'none';
  /** null when nothing is expected */
  agree: boolean | null;
  /** why they may differ */
  note: string;
  /** delta is the counter's value at the end (a gauge), not a change */
  gauge?: true;
}

/** The counters of the namespace a job watched, read at attach and at the end. */
export interface KernelCounters {
  /** inode of the network namespace read */
  netns: number;
  /** where they were read: /proc/self/net, /proc/<pid>/net, or a reader that entered /run/netns/<name> */
  source: string;
  /** ISO 8601 times of the two reads */
  at: { start: string; end: string };
  /** every TCP, IP and ICMP counter that moved, by `Group.Name` */
  deltas: Record<string, number>;
  crossChecks: CrossCheck[];
  /** the probe's reason when no counter answers to its figures */
  noPairs?: string;
}

/** `kernel` of a result envelope: the counters, or why there are none. */
export interface KernelReport {
  counters: KernelCounters | null;
  /** why counters is null */
  unavailable?: string;
}

export interface JobScope {
  params: unknown;
  variant: string;
  /** events the ring buffer lost: the figure misses them */
  lost: number;
  /** the variant's own words for what it cannot see */
  cannotSee?: readonly string[];
}

/** params that only shape the output or the kernel's bookkeeping, never which sockets are seen */
const FILTER_KEYS = new Set<string>([...COMMON_FILTERS.filter((f) => f !== 'netns'), 'port', 'addr']);

/** The filters of the job that select part of its namespace (a port, a process, ...). */
export function narrowingFilters(params: unknown): string[] {
  if (!params || typeof params !== 'object') return [];
  return Object.entries(params as Record<string, unknown>)
    .filter(([k, v]) => FILTER_KEYS.has(k) && v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0))
    .map(([k]) => k);
}

function hasNetnsFilter(params: unknown): boolean {
  return !!params && typeof params === 'object' && (params as Record<string, unknown>).netns !== undefined;
}

/** a relation, loosened: `larger` the counter may exceed, `smaller` it may fall short */
function loosen(e: CounterExpect, counterMayExceed: boolean, figureMayExceed: boolean): CounterExpect | 'none' {
  if (counterMayExceed && figureMayExceed) return 'none';
  if (counterMayExceed) return e === 'atMost' ? 'none' : 'atLeast';
  if (figureMayExceed) return e === 'atLeast' ? 'none' : 'atMost';
  return e;
}

const HOLDS: Record<CounterExpect, (delta: number, traced: number) => boolean> = {
  equal: (d, t) => d === t,
  atLeast: (d, t) => d >= t,
  atMost: (d, t) => d <= t,
};

export const counterLabel = (c: string | readonly string[]): string => (typeof c === 'string' ? c : c.join('+'));

/**
 * The cross-checks of one result, and a warning for each that disagrees. `end` is read after detach;
 * pairs whose figure this result lacks are left out.
 */
export function crossCheck<D, P>(
  decl: CounterDeclaration<D, P>,
  data: D,
  start: CounterSet,
  end: CounterSet,
  job: JobScope,
): { checks: CrossCheck[]; warnings: string[] } {
  const narrow = narrowingFilters(job.params);
  const wide = (decl.scope ?? 'all') === 'all' && !hasNetnsFilter(job.params);
  const checks: CrossCheck[] = [];
  const warnings: string[] = [];
  for (const pair of decl.pairs) {
    const traced = pair.value(data, job.params as P);
    if (traced === null || traced === undefined || !Number.isFinite(traced)) continue;
    const names = typeof pair.counter === 'string' ? [pair.counter] : [...pair.counter];
    const missing = names.filter((n) => !end.has(n));
    if (missing.length === names.length) continue; // a kernel without the counter
    const delta = names.reduce((s, n) => s + (pair.gauge ? Number(end.get(n) ?? 0n) : counterDelta(start, end, n)), 0);
    const declared = typeof pair.expect === 'function' ? pair.expect(data, job.variant) : pair.expect;
    const expect = loosen(declared, narrow.length > 0 || job.lost > 0, wide && !pair.gauge);
    const reasons = [pair.why];
    if (narrow.length) reasons.push(`the job's filters (${narrow.join(', ')}) select part of the namespace; the counter counts all of it`);
    if (job.lost > 0) reasons.push(`${job.lost} events were lost (ring buffer full): the figure misses them`);
    if (wide && !pair.gauge) reasons.push('without a netns filter the hooks see every network namespace; the counter is this one only');
    const check: CrossCheck = {
      counter: counterLabel(pair.counter),
      figure: pair.figure,
      traced,
      delta,
      expect,
      agree: expect === 'none' ? null : HOLDS[expect](delta, traced),
      note: reasons.join('; '),
      ...(pair.gauge ? { gauge: true as const } : {}),
    };
    checks.push(check);
    if (check.agree === false) {
      const blind = job.cannotSee?.length ? `; the ${job.variant} variant cannot see: ${job.cannotSee.join('; ')}` : '';
      const rel = expect === 'equal' ? 'equal to' : expect === 'atLeast' ? 'at least' : 'at most';
      warnings.push(
        `kernel counter ${check.counter} ${pair.gauge ? 'is' : 'moved by'} ${delta}, traced ${pair.figure} is ${traced} (expected the counter ${rel} the figure): ${check.note}${blind}`,
      );
    }
  }
  return { checks, warnings };
}
