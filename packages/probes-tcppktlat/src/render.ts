/**
 * Upstream tcppktlat's text (libbpf-tools/tcppktlat.c):
 *
 *   PID     TID     COMM             LADDR           LPORT RADDR           RPORT MS
 *   1311    1311    python3          127.0.0.1       8080  127.0.0.1       46442 50.12
 *
 * MS with two decimals; with `timestamps` a leading TIME(s) column (seconds since the first event).
 * The address columns widen to the longest address, so IPv6 fits (upstream -w is too narrow).
 * Beyond upstream: the log2 histogram of every read (µs) and a summary line.
 */
import { formatPercentile, renderLog2, renderTable, type TableColumn } from '@sonde/probe-sdk';
import type { TcppktlatData } from './index.js';
import type { TcppktlatParams } from './params.js';

export function renderTcppktlat(data: TcppktlatData, p: Partial<Pick<TcppktlatParams, 'timestamps'>> = {}): string {
  const cols: TableColumn[] = [
    { header: 'PID', width: 7 },
    { header: 'TID', width: 7 },
    { header: 'COMM', width: 16 },
    { header: 'LADDR', width: 15 },
    { header: 'LPORT', width: 5 },
    { header: 'RADDR', width: 15 },
    { header: 'RPORT', width: 5 },
    { header: 'MS', width: 5 },
  ];
  const t0 = data.events.length ? BigInt(data.events[0]!.tsNs) : 0n;
  if (p.timestamps) cols.unshift({ header: 'TIME(s)', width: 8 });
  const rows = data.events.map((e) => {
    const r: Array<string | number> = [e.pid, e.tid, e.comm, e.laddr, e.lport, e.raddr, e.rport, (e.latencyUs / 1000).toFixed(2)];
    if (p.timestamps) r.unshift((Number(BigInt(e.tsNs) - t0) / 1e9).toFixed(6));
    return r;
  });
  let out = data.events.length ? renderTable(cols, rows) : `no reads waited ${data.minUs} µs or more\n`;
  if (data.eventsSeen > data.events.length) out += `… ${data.eventsSeen - data.events.length} more events not kept\n`;
  const h = data.histogram;
  if (h.count > 0) {
    out += `\n${renderLog2(h)}`;
    out += `     ${h.count} reads; ${[formatPercentile('p50', h.p50), formatPercentile('p90', h.p90), formatPercentile('p99', h.p99)].join(', ')} usecs; min ${h.min}, max ${h.max}\n`;
  }
  return out;
}
