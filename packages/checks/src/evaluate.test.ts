import { describe, expect, it } from 'vitest';
import { log2Histogram, mergeHistograms, outputShape, type OutputShape, type ResultEnvelope } from '@sonde/probe-sdk';
import tcpdrop from '@sonde/probes-tcpdrop';
import tcppktlat from '@sonde/probes-tcppktlat';
import tcpretrans from '@sonde/probes-tcpretrans';
import tcprtt from '@sonde/probes-tcprtt';
import { baselineFrom, evaluateCheck, parseAssertions, parsePercent } from './evaluate.js';
import { toJUnit, toMarkdown } from './report.js';

/** the output declarations real results carry (`shape`): keyed histograms, aliases */
const SHAPES: Record<string, OutputShape> = Object.fromEntries(
  [tcprtt, tcpretrans, tcpdrop, tcppktlat].map((p) => [p.name, outputShape(p)!]),
);

function env(data: unknown, extra: Partial<ResultEnvelope> = {}): ResultEnvelope {
  const probe = extra.probe ?? 'tcprtt';
  return {
    jobId: 'j_1', probe: 'tcprtt', probeVersion: '0.1.0', params: {}, host: { hostname: 'h', kernel: 'k' }, variant: 'tp_btf',
    startedAt: '', endedAt: '', durationMs: 2000, stoppedBy: 'deadline', kind: 'histogram', data,
    stats: { events: 10, lost: 2, dropped: 0, truncated: false }, warnings: [], ...(SHAPES[probe] ? { shape: SHAPES[probe] } : {}), ...extra,
  };
}

// usecs: 23 samples in 4..7, 870 in 8..15, 12 in 16..31 (the README's session)
const a = log2Histogram([0, 0, 23, 870, 12], { unit: 'usecs', sum: 8497, min: 7, max: 23 });
const b = log2Histogram([0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 10], { unit: 'usecs', sum: 30000, min: 9, max: 3000 });
const rtt = env({ unit: 'usecs', by: 'laddr', histograms: [{ key: '127.0.0.1', family: 4, hist: a }, { key: '::1', family: 6, hist: b }], total: mergeHistograms([a, b]) });

function check(r: ResultEnvelope, ...src: string[]) {
  return evaluateCheck(r, parseAssertions(src));
}

describe('evaluateCheck over a histogram result', () => {
  it('compares time statistics across units', () => {
    const rep = check(rtt, 'p50 < 1ms', 'p99 > 20us', 'max <= 3ms', 'min == 7us', 'count == 1015', 'count/s > 500', 'avg > p50');
    expect(rep.results.map((r) => r.outcome)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
    expect(rep.status).toBe('passed');
    expect(rep.results[4]!.actual).toBe('1015');
    expect(rep.results[5]!.actual).toBe('507.5');
  });

  it('fails with the actual value and picks keyed histograms with labels', () => {
    const rep = check(rtt, 'p99{key=127.0.0.1} < 10us', 'count{family=6} == 110', 'max{key!=::1} == 23us');
    expect(rep.results[0]).toMatchObject({ outcome: 'fail', actual: '19.688us', expected: '10us' });
    expect(rep.results[1]!.outcome).toBe('pass');
    expect(rep.results[2]!.outcome).toBe('pass');
    expect(rep.status).toBe('failed');
  });

  it('errors on unknown metrics and unit mismatches, naming what exists', () => {
    const rep = check(rtt, 'p99 < 5', 'count < 5ms', 'bogus > 1');
    expect(rep.results.map((r) => r.outcome)).toEqual(['error', 'error', 'error']);
    expect(rep.results[0]!.message).toContain("give '5' a unit");
    expect(rep.results[1]!.message).toContain("'5ms' is a time and 'count' is not");
    expect(rep.results[2]!.message).toMatch(/unknown metric 'bogus'.*p99.*events/);
    expect(rep.status).toBe('error');
  });

  it('fails percentiles of an empty histogram instead of passing them', () => {
    const empty = env({ unit: 'usecs', by: 'none', histograms: [], total: log2Histogram([], { unit: 'usecs' }) });
    const rep = check(empty, 'p99 < 5ms', 'count == 0');
    expect(rep.results[0]).toMatchObject({ outcome: 'fail', message: expect.stringContaining('empty') });
    expect(rep.results[1]!.outcome).toBe('pass');
  });

  it('is an error when the job gave no data', () => {
    const rep = check(env(null, { error: { type: 'probe-load-failed', message: 'verifier said no' } }), 'count > 0');
    expect(rep.status).toBe('error');
    expect(rep.error).toContain('verifier said no');
  });
});

describe('owner labels (pods, containers) on keys, rows and events', () => {
  const web = { cgroupId: '11', cgroupPath: '/kubepods.slice/x', runtime: 'containerd', podUid: 'u1', namespace: 'shop', pod: 'web-0', labels: { app: 'web' } };
  const db = { cgroupId: '12', cgroupPath: '/kubepods.slice/y', runtime: 'cri-o', containerId: 'c0ffee'.padEnd(64, '0'), namespace: 'shop', pod: 'db-0', container: 'pg', labels: { app: 'db' } };
  const byPod = env({ unit: 'usecs', by: 'pod', histograms: [{ key: 'shop/web-0', cgroup: '11', owner: web, hist: b }, { key: 'shop/db-0', cgroup: '12', owner: db, hist: a }], total: mergeHistograms([a, b]) });
  it('picks keyed histograms by pod, namespace and container', () => {
    const rep = check(byPod, 'p99{pod=shop/web-0} > 1ms', 'p99{pod=db-0} < 5ms', 'count{namespace=shop} == 1015', 'count{container=pg} == 905', 'count{container=c0ffee} == 905', 'count{pod!=shop/web-0} == 905');
    expect(rep.results.map((r) => r.outcome)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
  });
  it('counts rows and events of an owner', () => {
    const ev = env({ events: [{ state: 'LOSS', owner: web }, { state: 'RTO', owner: web }, { state: 'LOSS', owner: db }] }, { probe: 'tcpretrans', kind: 'events' });
    const rep = check(ev, 'retransmits{pod=shop/web-0} == 2', 'events{pod=shop/db-0,state=LOSS} == 1', 'retransmits{pod=shop/nope} == 0');
    expect(rep.results.map((r) => [r.outcome, r.actual])).toEqual([['pass', '2'], ['pass', '1'], ['pass', '0']]);
  });
});

describe('reports and events', () => {
  const drops = env({ drops: [{ reason: 'TCP_LISTEN_OVERFLOW', count: 3 }, { reason: 'NO_SOCKET', count: 4 }], byState: { SYN_RECV: 2, ESTABLISHED: 5 } }, { probe: 'tcpdrop', kind: 'report' });
  it('sums counts of matching rows and keys', () => {
    const rep = check(drops, 'drops{reason=TCP_LISTEN_OVERFLOW} == 0', 'drops == 7', 'byState{state=SYN_RECV} == 2', 'drops{reason!=NO_SOCKET}/s == 1.5', 'lost == 2');
    expect(rep.results.map((r) => r.outcome)).toEqual(['fail', 'pass', 'pass', 'pass', 'pass']);
    expect(rep.results[0]!.actual).toBe('3');
  });
  it('counts event rows; per-probe aliases such as retransmits for tcpretrans', () => {
    const ev = env({ events: [{ state: 'LOSS' }, { state: 'LOSS' }, { state: 'RTO' }] }, { probe: 'tcpretrans', kind: 'events', durationMs: 4000 });
    const rep = check(ev, 'retransmits/s < 1', 'events{state=LOSS} == 2');
    expect(rep.results.map((r) => [r.outcome, r.actual])).toEqual([['pass', '0.75'], ['pass', '2']]);
  });
});

describe('what the probe declares (result.shape)', () => {
  it("names a field by the probe's alias and sums the figure its rows declare", () => {
    const reasons = [{ reason: 'TCP_LISTEN_OVERFLOW', value: 40, subsystem: 'CORE', count: 3 }, { reason: 'NO_SOCKET', value: 3, subsystem: 'CORE', count: 4 }];
    const r = env({ total: 7, reasons, flows: [] }, { probe: 'tcpdrop', kind: 'report' });
    const rep = check(r, 'drops == 7', 'drops{reason=NO_SOCKET} == 4', 'reasons{subsystem=CORE} == 7', 'flows == 0', 'nope > 1');
    expect(rep.results.map((x) => x.outcome)).toEqual(['pass', 'pass', 'pass', 'pass', 'error']);
    expect(rep.results[4]!.message).toMatch(/it has: total, reasons, flows, drops, events/);
  });
  it('takes statistics of the declared histogram (tcppktlat: `histogram`), whatever its field is named', () => {
    const r = env({ minUs: 0, events: [], eventsSeen: 0, histogram: a }, { probe: 'tcppktlat', kind: 'report' });
    expect(check(r, 'p99 < 20us', 'count == 905', 'histogram.max == 23us').results.map((x) => x.outcome)).toEqual(['pass', 'pass', 'pass']);
    // the same data without its declaration (a result stored before results carried one) names no histogram
    expect(evaluateCheck({ ...r, shape: undefined }, parseAssertions(['p99 < 20us'])).results[0]!.outcome).toBe('error');
  });
});

describe('baselines', () => {
  const slower = env({ ...(rtt.data as object), total: mergeHistograms([log2Histogram([0, 0, 0, 0, 0, 0, 900, 5], { unit: 'usecs', sum: 72000, min: 64, max: 200 })]) });
  it('fails a statistic that grew past the allowed regression', () => {
    const rep = evaluateCheck(slower, [], { baseline: baselineFrom({ result: rtt }), maxIncrease: parsePercent('20%'), metrics: ['p99', 'count'] });
    expect(rep.results[0]).toMatchObject({ outcome: 'fail', name: 'p99 regression <= 20% over baseline' });
    expect(rep.results[0]!.message).toMatch(/^p99 \d+(\.\d+)?us vs baseline 3\d(\.\d+)?us \(\+\d+(\.\d)?%\)$/);
    expect(rep.results[1]!.outcome).toBe('pass'); // 905 < 1015
  });
  it('reads envelopes and jobs, refuses other JSON', () => {
    expect(baselineFrom(rtt).jobId).toBe('j_1');
    expect(() => baselineFrom({ hello: 1 })).toThrow(/not a sonde result/);
    expect(parsePercent('0.2')).toBe(0.2);
    expect(() => parsePercent('lots')).toThrow();
  });
});

describe('JUnit and Markdown', () => {
  it('counts tests, failures and errors', () => {
    const rep = check(rtt, 'p99 < 5ms', 'count > 100000', 'nope > 1');
    const x = toJUnit(rep, { permalink: 'http://h/v1/jobs/j_1' });
    expect(x).toContain('<testsuites name="sonde" tests="3" failures="1" errors="1"');
    expect(x).toContain('<testcase classname="sonde.tcprtt" name="p99 &lt; 5ms"');
    expect(x).toMatch(/<failure message="count = 1015: does not hold"/);
    const md = toMarkdown(rep, { permalink: 'http://h/v1/jobs/j_1' });
    expect(md).toContain('### ⚠️ sonde check `tcprtt`: error (1/3 passed)');
    expect(md).toContain('| ❌ | `count > 100000` | 1015 | 100000 |');
    expect(md).toContain('[`j_1`](http://h/v1/jobs/j_1)');
  });
});
