import { describe, expect, it } from 'vitest';
import { emptyHistogram, log2Histogram } from '@sonde/probe-sdk';
import type { TcpconnlatData, TcpconnlatEvent } from './index.js';
import { renderTcpconnlat } from './render.js';

const ev = (over: Partial<TcpconnlatEvent>): TcpconnlatEvent => ({
  time: '2026-11-25T15:52:02.968Z',
  tsNs: '2000000000',
  skaddr: '0x1',
  pid: 7164,
  tid: 7164,
  uid: 0,
  comm: 'python3',
  cgroup: '1',
  netns: 1,
  family: 4,
  laddr: '127.0.0.1',
  lport: 45174,
  raddr: '127.0.0.1',
  rport: 59077,
  latUs: 51.293,
  outcome: 'established',
  error: '',
  ...over,
});

describe('renderTcpconnlat', () => {
  const data: TcpconnlatData = {
    latency: log2Histogram([0, 0, 1, 0, 0, 1], { unit: 'usecs', sum: 55, min: 4, max: 51 }),
    failed: emptyHistogram('usecs'),
    outcomes: { established: 1, refused: 1 },
    events: [ev({}), ev({ tsNs: '2500000000', rport: 1, lport: 45952, latUs: 11.469, outcome: 'refused', error: 'ECONNREFUSED' })],
  };

  it('prints upstream columns, flags refused connects, then the histogram', () => {
    const out = renderTcpconnlat(data, {});
    expect(out.split('\n').slice(0, 3)).toEqual([
      'PID    COMM         IP SADDR            DADDR            DPORT LAT(ms)',
      '7164   python3      4  127.0.0.1        127.0.0.1        59077 0.05',
      '7164   python3      4  127.0.0.1        127.0.0.1        1     0.01 refused ECONNREFUSED',
    ]);
    expect(out).toContain('connect latency:\n     usecs               : count    distribution\n         0 -> 1          : 0');
    expect(out).toContain('        32 -> 63         : 1        |****************************************|');
    expect(out).not.toContain('failed connects');
  });

  it('adds TIME(s) and LPORT like -t -L', () => {
    const lines = renderTcpconnlat(data, { timestamps: true, showLport: true }).split('\n');
    expect(lines[0]).toBe('TIME(s)   PID    COMM         IP SADDR            LPORT  DADDR            DPORT LAT(ms)');
    expect(lines[2]).toBe('0.500     7164   python3      4  127.0.0.1        45952  127.0.0.1        1     0.01 refused ECONNREFUSED');
  });

  it('says when nothing matched', () => {
    expect(renderTcpconnlat({ latency: emptyHistogram('usecs'), failed: emptyHistogram('usecs'), outcomes: {}, events: [] }, {})).toMatch(
      /no connects matched\n$/,
    );
  });
});
