/**
 * Upstream tcpconnlat's text (libbpf-tools/tcpconnlat.c):
 *
 *   [TIME(s)   ]PID    COMM         IP SADDR           [LPORT  ]DADDR            DPORT LAT(ms)
 *
 * Beyond upstream, a failed handshake has its outcome after the latency (`refused ECONNREFUSED`),
 * and the latency histograms follow (log2, usecs, upstream's layout); with `by`, a table per pod or
 * container.
 */
import { formatPercentile, padRight, renderLog2, renderTable, type TableColumn } from '@sonde/probe-sdk';
import type { TcpconnlatData } from './index.js';
import type { TcpconnlatParams } from './params.js';

export function renderTcpconnlat(data: TcpconnlatData, p: Partial<Pick<TcpconnlatParams, 'showLport' | 'timestamps' | 'by'>>): string {
  const events = data.events ?? [];
  let out = p.timestamps ? `${padRight('TIME(s)', 9)} ` : '';
  out += `${padRight('PID', 6)} ${padRight('COMM', 12)} ${padRight('IP', 2)} ${padRight('SADDR', 16)} `;
  if (p.showLport) out += `${padRight('LPORT', 6)} `;
  out += `${padRight('DADDR', 16)} ${padRight('DPORT', 5)} LAT(ms)\n`;
  const t0 = events.length ? BigInt(events[0]!.tsNs) : 0n;
  for (const e of events) {
    if (p.timestamps) out += `${padRight((Number(BigInt(e.tsNs) - t0) / 1e9).toFixed(3), 9)} `;
    out += `${padRight(e.pid, 6)} ${padRight(e.comm.slice(0, 12), 12)} ${padRight(e.family, 2)} ${padRight(e.laddr, 16)} `;
    if (p.showLport) out += `${padRight(e.lport, 6)} `;
    out += `${padRight(e.raddr, 16)} ${padRight(e.rport, 5)} ${(e.latUs / 1000).toFixed(2)}`;
    out += e.outcome === 'established' ? '\n' : ` ${e.outcome}${e.error ? ` ${e.error}` : ''}\n`;
  }
  for (const [title, h] of [['connect latency', data.latency], ['failed connects: time to fail', data.failed]] as const) {
    if (h.count === 0) continue;
    out += `\n${title}:\n${renderLog2(h, 'usecs')}`;
    out += `     ${[formatPercentile('p50', h.p50), formatPercentile('p90', h.p90), formatPercentile('p99', h.p99)].join(', ')} usecs; min ${h.min}, max ${h.max}\n`;
  }
  if (data.latency.count + data.failed.count === 0) out += 'no connects matched\n';
  if (data.owners?.length) {
    const ms = (v: number | null | undefined) => (v === null || v === undefined ? '-' : (v / 1000).toFixed(2));
    const cols: TableColumn[] = [{ header: (p.by ?? 'owner').toUpperCase() }, { header: 'CONNECTS', align: 'right' }, { header: 'FAILED', align: 'right' }, { header: 'P50_MS', align: 'right' }, { header: 'P99_MS', align: 'right' }];
    out += '\n' + renderTable(cols, data.owners.map((o) => [o.key, o.latency.count, o.failed.count, ms(o.latency.p50?.value), ms(o.latency.p99?.value)]));
  }
  return out;
}
