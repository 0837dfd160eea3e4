/**
 * Evaluate assertions (and baseline regressions) over a result envelope into a check report:
 * every assertion passes, fails with the actual value, or is an error (a metric this result does
 * not have, a unit that does not fit). The report's status drives the exit code: passed 0,
 * failed 1, error 2.
 */
import type { ResultEnvelope } from '@sonde/probe-sdk';
import { parseAssertion, TIME_UNITS, type Assertion, type CmpOp, type MetricRef, type Operand } from './grammar.js';
import { MetricError, resolveMetric, type Dimension } from './resolve.js';

export type Outcome = 'pass' | 'fail' | 'error';
export type CheckStatus = 'passed' | 'failed' | 'error';

export interface AssertionResult {
  /** the assertion as written (or the regression rule) */
  name: string;
  outcome: Outcome;
  /** the left side's value as shown to people, e.g. "19.7us" (null when it has none) */
  actual: string | null;
  /** the right side, e.g. "5ms" or "baseline 12us × 1.2 = 14.4us" */
  expected: string | null;
  /** one line: why it failed or erred, or the comparison that held */
  message: string;
}

export interface Regression {
  /** the baseline result */
  baseline: ResultEnvelope;
  /** allowed increase, as a fraction (0.2 = 20%) */
  maxIncrease: number;
  /** metrics to compare (default ['p99']) */
  metrics: string[];
}

export interface CheckReport {
  status: CheckStatus;
  probe: string;
  jobId: string;
  durationMs: number;
  /** stated when the job itself did not give a usable result */
  error?: string;
  results: AssertionResult[];
  passed: number;
  failed: number;
  errors: number;
}

const CMP: Record<CmpOp, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

/** Parse each assertion; throws AssertionSyntaxError for the first bad one. */
export function parseAssertions(sources: readonly string[]): Assertion[] {
  return sources.map((s) => parseAssertion(s));
}

/** a value for people: times with the unit that reads best, numbers with at most 3 decimals */
export function formatValue(v: number | null, dim: Dimension): string {
  if (v === null) return 'none';
  if (dim === 'verdict') return v === 1 ? 'agree' : v === 0 ? 'disagree' : String(v);
  const r3 = (x: number) => String(Math.round(x * 1000) / 1000);
  if (dim === 'number') return r3(v);
  const abs = Math.abs(v);
  if (abs >= 1e9) return `${r3(v / 1e9)}s`;
  if (abs >= 1e6) return `${r3(v / 1e6)}ms`;
  if (abs >= 1e3) return `${r3(v / 1e3)}us`;
  return `${r3(v)}ns`;
}

interface Side {
  value: number | null;
  dim: Dimension | 'any';
  why?: string;
}

function side(o: Operand, r: ResultEnvelope): Side {
  if (o.type === 'quantity') {
    return o.unit ? { value: o.value * TIME_UNITS[o.unit], dim: 'time' } : { value: o.value, dim: 'any' };
  }
  const res = resolveMetric(o, r);
  return { value: res.value, dim: res.dim, ...(res.why ? { why: res.why } : {}) };
}

function show(o: Operand, s: Side): string {
  return o.type === 'quantity' ? o.text : formatValue(s.value, s.dim === 'any' ? 'number' : s.dim);
}

export function evaluateAssertion(a: Assertion, r: ResultEnvelope): AssertionResult {
  const name = a.source.trim();
  let l: Side, rt: Side;
  try {
    l = side(a.left, r);
    rt = side(a.right, r);
  } catch (err) {
    if (err instanceof MetricError) return { name, outcome: 'error', actual: null, expected: null, message: err.message };
    throw err;
  }
  const dims = [l.dim, rt.dim].filter((d) => d !== 'any');
  if (dims.includes('verdict') && dims.some((d) => d !== 'verdict')) {
    const [v, n] = l.dim === 'verdict' ? [a.left, a.right] : [a.right, a.left];
    return { name, outcome: 'error', actual: null, expected: null, message: `'${v.text}' is a cross-check verdict and '${n.text}' is not; compare it with agree or disagree` };
  }
  if (dims.includes('time') && dims.includes('number')) {
    const [t, n] = l.dim === 'time' ? [a.left, a.right] : [a.right, a.left];
    return { name, outcome: 'error', actual: null, expected: null, message: `'${t.text}' is a time and '${n.text}' is not; compare times with times` };
  }
  if (dims.length === 1 && dims[0] === 'time' && (l.dim === 'any' || rt.dim === 'any')) {
    const [t, n] = l.dim === 'time' ? [a.left, a.right] : [a.right, a.left];
    return { name, outcome: 'error', actual: null, expected: null, message: `'${t.text}' is a time: give '${n.text}' a unit (ns, us, ms, s), e.g. ${n.text}ms` };
  }
  const actual = show(a.left, l);
  const expected = show(a.right, rt);
  if (l.value === null || rt.value === null) {
    const which = l.value === null ? a.left : a.right;
    const why = (l.value === null ? l.why : rt.why) ?? 'no value';
    return { name, outcome: 'fail', actual, expected, message: `${which.text} has no value: ${why}` };
  }
  const ok = CMP[a.op](l.value, rt.value);
  return {
    name,
    outcome: ok ? 'pass' : 'fail',
    actual,
    expected,
    message: `${a.left.text} = ${actual}${a.left.type === 'metric' && a.right.type === 'metric' ? `, ${a.right.text} = ${expected}` : ''}: ${ok ? 'holds' : 'does not hold'}`,
  };
}

function metricRef(text: string): MetricRef {
  const a = parseAssertion(`${text} >= 0`);
  if (a.left.type !== 'metric') throw new MetricError(`'${text}' is not a metric`);
  return a.left;
}

/** `p99 <= baseline × (1 + maxIncrease)` for each chosen metric. */
export function evaluateRegressions(reg: Regression, r: ResultEnvelope): AssertionResult[] {
  const pct = Math.round(reg.maxIncrease * 1000) / 10;
  return reg.metrics.map((text) => {
    const name = `${text} regression <= ${pct}% over baseline`;
    try {
      const m = metricRef(text);
      const now = resolveMetric(m, r);
      const base = resolveMetric(m, reg.baseline);
      const actual = formatValue(now.value, now.dim);
      if (base.value === null) return { name, outcome: 'error', actual, expected: null, message: `the baseline has no ${text}: ${base.why ?? 'no value'}` };
      const limit = base.value * (1 + reg.maxIncrease);
      const expected = `<= ${formatValue(limit, base.dim)} (baseline ${formatValue(base.value, base.dim)} + ${pct}%)`;
      if (now.value === null) return { name, outcome: 'fail', actual, expected, message: `${text} has no value: ${now.why ?? 'no value'}` };
      const change = base.value === 0 ? (now.value === 0 ? 0 : Infinity) : (now.value / base.value - 1) * 100;
      const ok = now.value <= limit;
      const changeText = Number.isFinite(change) ? `${change >= 0 ? '+' : ''}${Math.round(change * 10) / 10}%` : 'up from 0';
      return { name, outcome: ok ? 'pass' : 'fail', actual, expected, message: `${text} ${actual} vs baseline ${formatValue(base.value, base.dim)} (${changeText})` };
    } catch (err) {
      if (err instanceof MetricError || (err as Error).name === 'AssertionSyntaxError') {
        return { name, outcome: 'error', actual: null, expected: null, message: (err as Error).message };
      }
      throw err;
    }
  });
}

/** The whole check: assertions and regressions over one result. */
export function evaluateCheck(
  result: ResultEnvelope,
  assertions: readonly Assertion[],
  regression?: Regression,
): CheckReport {
  const results: AssertionResult[] = [];
  let error: string | undefined;
  if (result.error || result.data === null || result.data === undefined) {
    error = result.error ? `${result.error.type}: ${result.error.message}` : `the job gave no data (stopped by ${result.stoppedBy})`;
  } else {
    for (const a of assertions) results.push(evaluateAssertion(a, result));
    if (regression) results.push(...evaluateRegressions(regression, result));
  }
  return reportOf(result.probe, result.jobId, result.durationMs, results, error);
}

export function reportOf(probe: string, jobId: string, durationMs: number, results: AssertionResult[], error?: string): CheckReport {
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  const errors = count('error');
  const failed = count('fail');
  const status: CheckStatus = error || errors > 0 ? 'error' : failed > 0 ? 'failed' : 'passed';
  return { status, probe, jobId, durationMs, ...(error ? { error } : {}), results, passed: count('pass'), failed, errors };
}

export const EXIT_CODES: Record<CheckStatus, number> = { passed: 0, failed: 1, error: 2 };

/** `20%` or `0.2` → 0.2 */
export function parsePercent(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(s);
  if (!m) throw new Error(`'${s}' is not a percentage (e.g. 20%)`);
  const v = Number(m[1]);
  return m[2] ? v / 100 : v;
}

/** A baseline file holds a result envelope, or a job (GET /v1/jobs/{id}, `sonde run --json`) with one. */
export function baselineFrom(doc: unknown): ResultEnvelope {
  const d = doc as { result?: unknown; jobId?: unknown; data?: unknown } | null;
  const env = d && typeof d === 'object' && 'result' in d && d.result && typeof d.result === 'object' ? d.result : d;
  const e = env as Partial<ResultEnvelope> | null;
  if (!e || typeof e !== 'object' || typeof e.probe !== 'string' || !('data' in e) || typeof e.durationMs !== 'number') {
    throw new Error('not a sonde result: expected a result envelope or a job with a result');
  }
  return e as ResultEnvelope;
}
