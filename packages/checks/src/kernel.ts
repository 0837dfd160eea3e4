/**
 * Metrics over a result's kernel counters (`kernel.counters`): `counter{X}`, `crosscheck{X}`,
 * `traced{X}`, bare `crosscheck`, and the verdicts `agree` / `disagree` they compare with. X is a
 * counter as nstat names it, with or without its group (`ListenOverflows`, `TcpExt.ListenOverflows`).
 */
import { counterNamesMatching, KNOWN_COUNTERS, type CrossCheck, type ResultEnvelope } from '@sonde/probe-sdk';
import type { MetricRef } from './grammar.js';
import { MetricError, type Resolved } from './resolve.js';

const KERNEL_METRICS = ['counter', 'crosscheck', 'traced'];

/** The selector of `counter{X}`: exactly one bare label. */
function selector(m: MetricRef, required: boolean): string | null {
  if (m.labels.length === 0 && !required) return null;
  const [l, ...more] = m.labels;
  if (!l || more.length || l.name !== '' || m.path.length > 1) {
    throw new MetricError(`'${m.text}': name one counter, e.g. ${m.path[0]}{ListenOverflows} or ${m.path[0]}{TcpExt.ListenOverflows}`);
  }
  return l.value;
}

/** the full name a selector means, among the names this result or the kernel has */
function counterName(wanted: string, names: Iterable<string>): string {
  const all = new Set([...KNOWN_COUNTERS, ...names]);
  const found = counterNamesMatching(all, wanted);
  if (found.length === 1) return found[0]!;
  if (found.length > 1) throw new MetricError(`counter '${wanted}' is ambiguous: write ${found.join(' or ')}`);
  throw new MetricError(`unknown counter '${wanted}': use nstat's names, e.g. ListenOverflows or TcpExt.ListenOverflows`);
}

const partsOf = (c: CrossCheck) => c.counter.split('+');

function verdict(checks: CrossCheck[], what: string): Resolved {
  const expecting = checks.filter((c) => c.agree !== null);
  if (expecting.length === 0) return { value: null, dim: 'verdict', why: `nothing is expected of ${what} under this job's filters (${checks[0]?.note ?? 'no cross-check'})` };
  return { value: expecting.every((c) => c.agree) ? 1 : 0, dim: 'verdict' };
}

/** A kernel metric's value, or undefined when the metric is not one (it resolves elsewhere). */
export function resolveKernelMetric(m: MetricRef, r: ResultEnvelope, data: Record<string, unknown>): Resolved | undefined {
  const head = m.path[0]!;
  if (m.path.length === 1 && m.labels.length === 0 && (head === 'agree' || head === 'disagree') && !(head in data)) {
    return { value: head === 'agree' ? 1 : 0, dim: 'verdict' };
  }
  if (!KERNEL_METRICS.includes(head) || head in data) return undefined;
  const name = selector(m, head !== 'crosscheck');
  if (!r.kernel) throw new MetricError(`'${m.text}': this result has no kernel counters (a job that never attached, or a sonde before they were read)`);
  const k = r.kernel.counters;
  if (!k) return { value: null, dim: head === 'crosscheck' ? 'verdict' : 'number', why: `kernel counters unavailable: ${r.kernel.unavailable ?? 'not read'}` };
  const checkNames = k.crossChecks.flatMap(partsOf);
  if (head === 'counter') {
    const full = counterName(name!, [...Object.keys(k.deltas), ...checkNames]);
    return { value: k.deltas[full] ?? 0, dim: 'number' };
  }
  if (name === null) return verdict(k.crossChecks, 'any cross-check');
  // a short name may mean several counters (InOctets: IpExt and Ip6); a cross-check on any of them answers
  const candidates = counterNamesMatching(new Set([...KNOWN_COUNTERS, ...Object.keys(k.deltas), ...checkNames]), name);
  if (candidates.length === 0) counterName(name, []);
  const full = candidates.join(' or ');
  const checks = k.crossChecks.filter((c) => partsOf(c).some((p) => candidates.includes(p)));
  if (checks.length === 0) {
    const have = [...new Set(k.crossChecks.map((c) => c.counter))];
    throw new MetricError(`${r.probe} has no cross-check on ${full}${have.length ? `; it checks: ${have.join(', ')}` : `: ${k.noPairs ?? 'no counter pairs'}`}`);
  }
  if (head === 'traced') {
    const figures = [...new Set(checks.map((c) => c.traced))];
    if (figures.length > 1) throw new MetricError(`'${m.text}': ${full} is checked against several figures (${checks.map((c) => c.figure).join(', ')})`);
    return { value: figures[0]!, dim: 'number' };
  }
  return verdict(checks, full);
}
