import { describe, expect, it } from 'vitest';
import { log2Histogram } from '@sonde/probe-sdk';
import type { TcpstatesEvent } from './decode.js';
import { renderTcpstates } from './render.js';

const ev = (over: Partial<TcpstatesEvent>): TcpstatesEvent => ({
  time: '2026-11-25T15:00:00.000Z', tsNs: '1000000000', skaddr: '0xffff8f0c4b2b5a00', pid: 51234, tid: 51234, uid: 0,
  comm: 'curl', cgroup: '1', netns: 4026531840, family: 4, laddr: '127.0.0.1', lport: 0, raddr: '127.0.0.1', rport: 8080,
  oldstate: 'CLOSE', newstate: 'SYN_SENT', ms: 0, ...over,
});

describe('renderTcpstates', () => {
  it('prints the upstream columns, then transitions and dwell histograms', () => {
    const text = renderTcpstates(
      {
        events: [ev({}), ev({ tsNs: '1250000000', oldstate: 'SYN_SENT', newstate: 'ESTABLISHED', lport: 40000, ms: 0.052 })],
        transitions: [{ from: 'CLOSE', to: 'SYN_SENT', count: 1 }],
        dwell: [{ state: 'SYN_SENT', hist: log2Histogram([0, 0, 0, 0, 0, 1], { unit: 'usecs', sum: 52 }) }],
      },
      { timestamp: true, wide: false },
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('TIME(s)  SKADDR           PID     COMM             IP LADDR           LPORT RADDR           RPORT OLDSTATE    -> NEWSTATE    MS');
    expect(lines[1]).toBe('0.000    ffff8f0c4b2b5a00 51234   curl             4  127.0.0.1       0     127.0.0.1       8080  CLOSE       -> SYN_SENT    0.000');
    expect(lines[2]).toBe('0.250    ffff8f0c4b2b5a00 51234   curl             4  127.0.0.1       40000 127.0.0.1       8080  SYN_SENT    -> ESTABLISHED 0.052');
    expect(text).toContain('CLOSE    SYN_SENT     1');
    expect(text).toContain('time in SYN_SENT:\n     usecs               : count    distribution\n');
  });

  it('shows - for an unknown time in state and widens addresses', () => {
    const text = renderTcpstates({ events: [ev({ ms: null })], transitions: [], dwell: [] }, { timestamp: false, wide: true });
    expect(text.split('\n')[1]!.endsWith(' -')).toBe(true);
    expect(text.split('\n')[0]).toContain('LADDR' + ' '.repeat(35) + 'LPORT');
  });
});
