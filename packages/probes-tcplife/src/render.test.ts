import { describe, expect, it } from 'vitest';
import { emptyHistogram, log2Histogram } from '@sonde/probe-sdk';
import type { TcplifeEvent } from './decode.js';
import { renderTcplife } from './render.js';

const ev = (over: Partial<TcplifeEvent>): TcplifeEvent => ({
  time: '2026-11-25T15:04:05.123Z', tsNs: '5000000000', skaddr: '0xffff1', pid: 2234, tid: 2234, uid: 0, comm: 'curl', cgroup: '1',
  netns: 1, family: 4, laddr: '127.0.0.1', lport: 40012, raddr: '127.0.0.1', rport: 8080, txBytes: 77, rxBytes: 300, ms: 1.214, ...over,
});

describe('renderTcplife', () => {
  it('prints the upstream columns and the histograms', () => {
    const text = renderTcplife(
      { events: [ev({})], sessions: 1, duration: log2Histogram([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], { unit: 'usecs', sum: 1214 }), txBytes: emptyHistogram('bytes'), rxBytes: emptyHistogram('bytes') },
      { time: true, timestamp: false, wide: false },
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('TIME     PID     COMM             LADDR           LPORT RADDR           RPORT TX_KB  RX_KB  MS');
    expect(lines[1]).toBe('15:04:05 2234    curl             127.0.0.1       40012 127.0.0.1       8080  0.08   0.29   1.21');
    expect(text).toContain('1 sessions\n     usecs               : count    distribution\n');
  });

  it('prints only the header without sessions', () => {
    const e = emptyHistogram('usecs');
    expect(renderTcplife({ events: [], sessions: 0, duration: e, txBytes: e, rxBytes: e }, { time: false, timestamp: true, wide: true }).split('\n')).toEqual([
      'TIME(s)   PID     COMM             LADDR                                   LPORT RADDR                                   RPORT TX_KB  RX_KB  MS',
      '',
    ]);
  });
});
