import { describe, expect, it } from 'vitest';
import { log2Histogram } from '@sonde/probe-sdk';
import type { TcppktlatData } from './index.js';
import { renderTcppktlat } from './render.js';

const base = { time: '', skaddr: '0x1', uid: 0, cgroup: '0', netns: 1 };
const data: TcppktlatData = {
  minUs: 0,
  events: [
    { ...base, tsNs: '1000000000', pid: 1311, tid: 1311, comm: 'python3', family: 4, laddr: '127.0.0.1', lport: 8080, raddr: '127.0.0.1', rport: 46442, latencyUs: 50123.4 },
    { ...base, tsNs: '1500000000', pid: 1311, tid: 1311, comm: 'python3', family: 6, laddr: '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1', lport: 8080, raddr: '::1', rport: 46443, latencyUs: 0 },
  ],
  eventsSeen: 3,
  histogram: log2Histogram([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], { unit: 'usecs', sum: 50123, min: 0, max: 50123 }),
};

describe('renderTcppktlat', () => {
  it('prints upstream columns, wide enough for IPv6, then the histogram', () => {
    const lines = renderTcppktlat(data, { timestamps: true }).split('\n');
    expect(lines[0]).toBe('TIME(s)  PID     TID     COMM             LADDR                               LPORT RADDR           RPORT MS');
    expect(lines[1]).toBe('0.000000 1311    1311    python3          127.0.0.1                           8080  127.0.0.1       46442 50.12');
    expect(lines[2]).toBe('0.500000 1311    1311    python3          2001:db8:aaaa:bbbb:cccc:dddd:eeee:1 8080  ::1             46443 0.00');
    expect(lines[3]).toBe('… 1 more events not kept');
    expect(lines[5]).toBe('     usecs               : count    distribution');
    expect(lines.at(-2)).toMatch(/^     2 reads; p50 ~ 1 \(0..1\)/);
  });

  it('says when no read was slow enough', () => {
    expect(renderTcppktlat({ ...data, minUs: 1000, events: [], eventsSeen: 0, histogram: log2Histogram([], { unit: 'usecs', sum: 0 }) })).toBe(
      'no reads waited 1000 µs or more\n',
    );
  });
});
