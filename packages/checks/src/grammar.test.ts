import { describe, expect, it } from 'vitest';
import { AssertionSyntaxError, parseAssertion } from './grammar.js';

describe('parseAssertion', () => {
  it.each([
    ['p99 < 5ms', { type: 'metric', path: ['p99'], labels: [], rate: false }, '<', { type: 'quantity', value: 5, unit: 'ms' }],
    ['count > 0', { path: ['count'] }, '>', { value: 0, unit: null }],
    ['drops{reason=TCP_LISTEN_OVERFLOW} == 0', { path: ['drops'], labels: [{ name: 'reason', op: '=', value: 'TCP_LISTEN_OVERFLOW' }] }, '==', { value: 0 }],
    ['retransmits/s < 1', { path: ['retransmits'], rate: true }, '<', { value: 1 }],
    ['p99{key=127.0.0.1} <= 1.5e3us', { labels: [{ name: 'key', op: '=', value: '127.0.0.1' }] }, '<=', { value: 1500, unit: 'us' }],
    ['latency.p99>=2 s', { path: ['latency', 'p99'] }, '>=', { value: 2, unit: 's' }],
    ['avg != p50', { path: ['avg'] }, '!=', { type: 'metric', path: ['p50'] }],
    ['counter{ListenOverflows} == 0', { path: ['counter'], labels: [{ name: '', op: '=', value: 'ListenOverflows' }] }, '==', { value: 0 }],
    ['crosscheck{ TcpExt.ListenOverflows } == agree', { path: ['crosscheck'], labels: [{ name: '', value: 'TcpExt.ListenOverflows' }] }, '==', { type: 'metric', path: ['agree'] }],
    ['x{a="b c", d != 4} < 2µs', { labels: [{ name: 'a', op: '=', value: 'b c' }, { name: 'd', op: '!=', value: '4' }] }, '<', { unit: 'us' }],
  ])('%s', (src, left, op, right) => {
    const a = parseAssertion(src);
    expect(a.left).toMatchObject(left);
    expect(a.op).toBe(op);
    expect(a.right).toMatchObject(right);
  });

  it.each([
    ['', 'empty assertion', 0],
    ['p99 = 5ms', "'=' is not a comparison; use '=='", 4],
    ['p99 < 5 lightyears', "unexpected 'l' after the assertion", 8],
    ['p99 < 5parsecs', "unknown unit 'parsecs'", 7],
    ['drops{reason=X == 0', "expected ',' or '}' in labels, got '='", 15],
    ['p99 <', 'expected a metric or a number at the end', 5],
    ['count/m > 1', "only '/s' (per second) may follow a metric", 5],
    ['p99 < 20%', "'%' is only for --max-regression", 8],
    ['5ms', 'expected a comparison (< <= > >= == !=) at the end', 3],
  ])('rejects %j', (src, reason, col) => {
    try {
      parseAssertion(src);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AssertionSyntaxError);
      const e = err as AssertionSyntaxError;
      expect(e.reason).toContain(reason);
      expect(e.column).toBe(col);
      expect(e.message).toContain(`at column ${col + 1}`);
    }
  });
});
