import { describe, expect, it } from 'vitest';
import type { KernelReport, ResultEnvelope } from '@sonde/probe-sdk';
import { evaluateCheck, parseAssertions } from './evaluate.js';

/** a tcpsynbl result with the kernel report a real job gives (fentry variant, 30 overflows) */
const kernel: KernelReport = {
  counters: {
    netns: 4026532174,
    source: 'nsenter --net=/run/netns/t',
    at: { start: '2026-12-06T23:20:16.629Z', end: '2026-12-06T23:20:18.689Z' },
    deltas: { 'Tcp.PassiveOpens': 12, 'TcpExt.ListenOverflows': 30, 'TcpExt.ListenDrops': 30, 'Ip.InReceives': 90, 'Ip6.InReceives': 4 },
    crossChecks: [
      { counter: 'TcpExt.ListenOverflows', figure: 'overflows', traced: 30, delta: 30, expect: 'equal', agree: true, note: 'same test' },
      { counter: 'TcpExt.ListenDrops', figure: 'overflows', traced: 30, delta: 30, expect: 'atLeast', agree: true, note: 'more causes' },
      { counter: 'IpExt.InOctets+Ip6.InOctets', figure: 'total.rxBytes', traced: 9000, delta: 100, expect: 'atLeast', agree: false, note: 'headers' },
      { counter: 'Tcp.InSegs', figure: 'total.count', traced: 5, delta: 9, expect: 'none', agree: null, note: 'filters' },
    ],
  },
};
const env = (k: KernelReport | undefined): ResultEnvelope => ({
  jobId: 'j_1', probe: 'tcpsynbl', probeVersion: '0.1.0', params: {}, host: { hostname: 'h', kernel: 'k' }, variant: 'fentry',
  startedAt: '', endedAt: '', durationMs: 2000, stoppedBy: 'deadline', kind: 'report', data: { overflows: 30 },
  stats: { events: 0, lost: 0, dropped: 0, truncated: false }, warnings: [], ...(k ? { kernel: k } : {}),
});
const check = (k: KernelReport | undefined, ...src: string[]) => evaluateCheck(env(k), parseAssertions(src)).results;

describe('kernel counters in checks', () => {
  it('counter{X}: the delta, by short or full name; 0 for a counter that did not move', () => {
    const r = check(kernel, 'counter{ListenOverflows} == 30', 'counter{TcpExt.ListenOverflows} > 0', 'counter{TCPBacklogDrop} == 0', 'counter{ListenDrops}/s == 15');
    expect(r.map((x) => [x.outcome, x.actual])).toEqual([['pass', '30'], ['pass', '30'], ['pass', '0'], ['pass', '15']]);
  });

  it('crosscheck{X} == agree: the verdict, shown as agree/disagree; bare crosscheck is all of them', () => {
    const r = check(kernel, 'crosscheck{ListenOverflows} == agree', 'crosscheck{InOctets} == agree', 'crosscheck{Ip6.InOctets} != agree', 'crosscheck == agree', 'traced{ListenOverflows} == counter{ListenOverflows}');
    expect(r.map((x) => [x.outcome, x.actual])).toEqual([['pass', 'agree'], ['fail', 'disagree'], ['pass', 'disagree'], ['fail', 'disagree'], ['pass', '30']]);
    expect(r[1]!.message).toBe('crosscheck{InOctets} = disagree, agree = agree: does not hold');
  });

  it('a cross-check that expects nothing under the job\'s filters has no verdict', () => {
    expect(check(kernel, 'crosscheck{InSegs} == agree')[0]).toMatchObject({ outcome: 'fail', message: expect.stringContaining("nothing is expected of Tcp.InSegs under this job's filters (filters)") });
  });

  it('errors name the problem: unknown, ambiguous, unchecked counters, wrong comparisons, no counters', () => {
    const r = check(kernel, 'counter{ListenOverflow} == 0', 'counter{InReceives} > 0', 'crosscheck{TCPBacklogDrop} == agree', 'counter{ListenDrops} == agree', 'counter == 0', 'counter{a=b} == 0');
    expect(r.map((x) => x.outcome)).toEqual(['error', 'error', 'error', 'error', 'error', 'error']);
    expect(r[0]!.message).toContain("unknown counter 'ListenOverflow'");
    expect(r[1]!.message).toBe("counter 'InReceives' is ambiguous: write Ip.InReceives or Ip6.InReceives");
    expect(r[2]!.message).toBe('tcpsynbl has no cross-check on TcpExt.TCPBacklogDrop; it checks: TcpExt.ListenOverflows, TcpExt.ListenDrops, IpExt.InOctets+Ip6.InOctets, Tcp.InSegs');
    expect(r[3]!.message).toContain('is a cross-check verdict');
    expect(r[4]!.message).toContain('name one counter, e.g. counter{ListenOverflows}');
    expect(r[5]!.message).toContain('name one counter');
    expect(check(undefined, 'counter{ListenOverflows} == 0')[0]!.message).toContain('this result has no kernel counters');
    expect(check({ counters: null, unavailable: 'no process lives in network namespace 9' }, 'counter{ListenOverflows} == 0')[0]).toMatchObject({
      outcome: 'fail',
      message: 'counter{ListenOverflows} has no value: kernel counters unavailable: no process lives in network namespace 9',
    });
  });
});
