import { describe, expect, it } from 'vitest';
import type { TcptopData, TopTable } from './index.js';
import { renderTcptop } from './render.js';

const t = (at: string, rows: TopTable['rows'], flows = rows.length): TopTable => ({
  at,
  loadavg: '0.10 0.03 0.01 1/215 3202',
  rows,
  rxBytes: rows.reduce((s, r) => s + r.rxBytes, 0),
  txBytes: rows.reduce((s, r) => s + r.txBytes, 0),
  flows,
});
const curl = { pid: 3202, comm: 'curl', cgroup: '0', family: 4 as const, laddr: '127.0.0.1', lport: 40000, raddr: '127.0.0.1', rport: 8080, rxBytes: 70_000, txBytes: 300, recvs: 5, sends: 1 };
const v6 = { pid: 17, comm: 'nginx', cgroup: '0', family: 6 as const, laddr: '::1', lport: 443, raddr: '::1', rport: 51000, rxBytes: 0, txBytes: 2048, recvs: 0, sends: 3 };

describe('renderTcptop', () => {
  it('prints the upstream header and table per interval', () => {
    const one = t('2026-11-25T15:30:01.123Z', [curl, v6], 3);
    const data: TcptopData = { sort: 'all', cumulative: false, intervals: [one], total: one };
    expect(renderTcptop(data).split('\n')).toEqual([
      '15:30:01 loadavg: 0.10 0.03 0.01 1/215 3202',
      '',
      'PID    COMM         LADDR                 RADDR                  RX_KB  TX_KB',
      '3202   curl         127.0.0.1:40000       127.0.0.1:8080            68      0',
      '17     nginx        [::1]:443             [::1]:51000                0      2',
      '… 1 more rows',
      '',
    ]);
  });

  it('prints one row per container with by container, and says when more did not fit', () => {
    const rows = [
      { key: 'shop/web-0/web', cgroup: '11', rxBytes: 90_000, txBytes: 90_000, recvs: 9, sends: 9, connections: 7 },
      { key: 'docker:0123456789ab', cgroup: '12', rxBytes: 20_480, txBytes: 20_480, recvs: 2, sends: 2, connections: 2 },
    ];
    const one = t('2026-11-25T15:30:01.123Z', rows, 10);
    expect(renderTcptop({ sort: 'all', by: 'container', cumulative: false, intervals: [one], total: one }).split('\n')).toEqual([
      '15:30:01 loadavg: 0.10 0.03 0.01 1/215 3202',
      '',
      'CONTAINER                                CONNS  RX_KB  TX_KB',
      'shop/web-0/web                               7     87     87',
      'docker:0123456789ab                          2     20     20',
      '… more containers below the top 2',
      '',
    ]);
  });

  it('adds the whole job after several intervals, and says when nothing matched', () => {
    const data: TcptopData = {
      sort: 'sent',
      cumulative: false,
      intervals: [t('2026-11-25T15:30:01.123Z', []), t('2026-11-25T15:30:02.123Z', [curl])],
      total: t('2026-11-25T15:30:02.500Z', [curl]),
    };
    const text = renderTcptop(data);
    expect(text).toContain('15:30:01 loadavg: 0.10 0.03 0.01 1/215 3202\n\nno TCP traffic matched\n');
    expect(text).toContain('\ntotal 15:30:02 loadavg:');
  });
});
