import { describe, expect, it } from 'vitest';
import type { TcpacceptEvent } from './index.js';
import { renderTcpaccept } from './render.js';

const ev = (over: Partial<TcpacceptEvent>): TcpacceptEvent => ({
  time: '2026-11-25T15:52:02.968Z',
  tsNs: '2000000000',
  skaddr: '0x1',
  pid: 812,
  tid: 812,
  uid: 33,
  comm: 'nginx',
  cgroup: '1',
  netns: 1,
  family: 4,
  laddr: '10.231.7.2',
  lport: 8080,
  raddr: '10.231.7.1',
  rport: 51234,
  fd: 7,
  syscall: 'accept4',
  ...over,
});

describe('renderTcpaccept', () => {
  const data = { total: 2, byLport: [{ lport: 8080, accepts: 2 }], events: [ev({}), ev({ tsNs: '2125000000', rport: 51236 })] };

  it('prints the upstream columns and a summary', () => {
    expect(renderTcpaccept(data, {})).toBe(
      'PID     COMM         IP RADDR            RPORT LADDR            LPORT\n' +
        '812     nginx        4  10.231.7.1       51234 10.231.7.2       8080\n' +
        '812     nginx        4  10.231.7.1       51236 10.231.7.2       8080\n' +
        '2 accepts: 2 on port 8080\n',
    );
  });

  it('adds TIME and TIME(s) like -T -t', () => {
    const lines = renderTcpaccept(data, { time: true, timestamps: true }).split('\n');
    expect(lines[0]).toBe('TIME     TIME(s)  PID     COMM         IP RADDR            RPORT LADDR            LPORT');
    expect(lines[2]).toBe('15:52:02 0.125    812     nginx        4  10.231.7.1       51236 10.231.7.2       8080');
  });

  it('says when nothing matched', () => {
    expect(renderTcpaccept({ total: 0, byLport: [], events: [] }, {})).toMatch(/no accepts matched\n$/);
  });
});
