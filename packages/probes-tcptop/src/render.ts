/**
 * Upstream tcptop's text (libbpf-tools/tcptop.c, tools/tcptop.py): per interval a line
 * `HH:MM:SS loadavg: <…>`, a blank line, then the table
 *
 *   PID    COMM         LADDR                 RADDR                  RX_KB  TX_KB
 *
 * with KB = bytes / 1024 rounded down, as upstream. IPv6 rows share the table (the address
 * columns widen to fit) instead of upstream's second LADDR6/RADDR6 table. Times are UTC.
 * With more than one interval a last block gives the whole job.
 */
import { formatEndpoint, renderTable, type TableColumn } from '@sonde/probe-sdk';
import type { OwnerRow, TcptopData, TopRow, TopTable } from './index.js';
import type { TcptopParams } from './params.js';

const COLUMNS: TableColumn[] = [
  { header: 'PID', width: 6 },
  { header: 'COMM', width: 12 },
  { header: 'LADDR', width: 21 },
  { header: 'RADDR', width: 21 },
  { header: 'RX_KB', align: 'right', width: 6 },
  { header: 'TX_KB', align: 'right', width: 6 },
];

function ownerColumns(by: string): TableColumn[] {
  return [{ header: by.toUpperCase(), width: 40 }, { header: 'CONNS', align: 'right', width: 5 }, COLUMNS[4]!, COLUMNS[5]!];
}

function block(t: TopTable, title: string, by: TcptopData['by']): string {
  let out = `${title} loadavg: ${t.loadavg}\n\n`;
  if (t.rows.length === 0) return out + 'no TCP traffic matched\n';
  if (by === 'pod' || by === 'container') {
    const rows = t.rows as OwnerRow[];
    out += renderTable(
      ownerColumns(by),
      rows.map((r) => [r.key, r.connections, Math.floor(r.rxBytes / 1024), Math.floor(r.txBytes / 1024)]),
    );
    if (t.flows > rows.reduce((s, r) => s + r.connections, 0)) out += `… more ${by}s below the top ${rows.length}\n`;
    return out;
  }
  out += renderTable(
    COLUMNS,
    (t.rows as TopRow[]).map((r) => [
      r.pid,
      r.comm,
      formatEndpoint(r.family, r.laddr, r.lport),
      formatEndpoint(r.family, r.raddr, r.rport),
      Math.floor(r.rxBytes / 1024),
      Math.floor(r.txBytes / 1024),
    ]),
  );
  if (t.flows > t.rows.length) out += `… ${t.flows - t.rows.length} more rows\n`;
  return out;
}

export function renderTcptop(data: TcptopData, _p?: Partial<TcptopParams>): string {
  const parts = data.intervals.map((t) => block(t, t.at.slice(11, 19), data.by));
  if (data.intervals.length !== 1) parts.push(block(data.total, `total ${data.total.at.slice(11, 19)}`, data.by));
  return parts.join('\n');
}
