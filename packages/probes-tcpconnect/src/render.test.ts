import { describe, expect, it } from 'vitest';
import type { TcpconnectData, TcpconnectEvent } from './index.js';
import { renderTcpconnect } from './render.js';

const ev = (over: Partial<TcpconnectEvent>): TcpconnectEvent => ({
  time: '2026-11-25T15:52:02.968Z',
  tsNs: '1000000000',
  skaddr: '0x1',
  pid: 5479,
  tid: 5479,
  uid: 0,
  comm: 'python3',
  cgroup: '1',
  netns: 4026531833,
  family: 4,
  laddr: '127.0.0.1',
  lport: 33288,
  raddr: '127.0.0.1',
  rport: 60729,
  outcome: 'established',
  error: '',
  ret: 0,
  latUs: 63.4,
  via: 'connect',
  ...over,
});

describe('renderTcpconnect', () => {
  const data: TcpconnectData = {
    mode: 'events',
    totals: { connects: 2, failed: 1 },
    outcomes: { established: 1, refused: 1 },
    events: [ev({}), ev({ tsNs: '1250000000', lport: 47080, rport: 1, outcome: 'refused', error: 'ECONNREFUSED', comm: 'a-very-long-command' })],
  };

  it('prints the upstream columns plus RESULT', () => {
    expect(renderTcpconnect(data, {})).toBe(
      'PID    COMM         IP SADDR            DADDR            DPORT RESULT\n' +
        '5479   python3      4  127.0.0.1        127.0.0.1        60729 established\n' +
        '5479   a-very-long- 4  127.0.0.1        127.0.0.1        1     refused ECONNREFUSED\n' +
        '2 connects, 1 failed (1 established, 1 refused)\n',
    );
  });

  it('adds TIME(s), UID and SPORT like -t -U -s', () => {
    const lines = renderTcpconnect(data, { timestamps: true, printUid: true, sourcePort: true }).split('\n');
    expect(lines[0]).toBe('TIME(s)  UID   PID    COMM         IP SADDR            DADDR            SPORT DPORT RESULT');
    expect(lines[2]).toBe('0.250    0     5479   a-very-long- 4  127.0.0.1        127.0.0.1        47080 1     refused ECONNREFUSED');
  });

  it('prints the count table', () => {
    const out = renderTcpconnect(
      { mode: 'count', totals: { connects: 3, failed: 1 }, outcomes: {}, counts: [{ family: 4, laddr: '127.0.0.1', raddr: '127.0.0.1', rport: 80, connects: 3, failed: 1 }] },
      {},
    );
    expect(out).toBe(
      '\nLADDR                     RADDR                     RPORT                CONNECTS   FAILED\n' +
        '127.0.0.1                 127.0.0.1                 80                   3          1\n' +
        '3 connects, 1 failed\n',
    );
  });

  it('says when nothing matched', () => {
    expect(renderTcpconnect({ mode: 'events', totals: { connects: 0, failed: 0 }, outcomes: {}, events: [] }, {})).toMatch(/no connects matched\n$/);
  });
});
