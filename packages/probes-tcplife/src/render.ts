/**
 * Upstream tcplife's text (libbpf-tools/tcplife.c):
 *
 *   PID     COMM             LADDR           LPORT RADDR           RPORT TX_KB  RX_KB  MS
 *   2234    curl             127.0.0.1       40012 127.0.0.1       8080  0.07   0.29   1.21
 *
 * with TIME (HH:MM:SS, `time`) and/or TIME(s) (`timestamp`) first, 39-wide addresses when `wide`.
 * Beyond upstream: the duration and byte histograms after the table; with `by`, a table per pod or
 * container (sessions, bytes, lifetimes).
 */
import { padRight, renderLog2, renderTable } from '@sonde/probe-sdk';
import type { TcplifeData } from './index.js';
import type { TcplifeParams } from './params.js';

export function renderTcplife(data: TcplifeData, p: Pick<TcplifeParams, 'time' | 'timestamp' | 'wide'> & Partial<Pick<TcplifeParams, 'by'>>): string {
  const events = data.events ?? [];
  const aw = p.wide ? 39 : 15;
  const cols = (v: Array<string | number>) =>
    [padRight(v[0]!, 7), padRight(v[1]!, 16), padRight(v[2]!, aw), padRight(v[3]!, 5), padRight(v[4]!, aw), padRight(v[5]!, 5), padRight(v[6]!, 6), padRight(v[7]!, 6), v[8]].join(' ');
  const prefix = (time: string, ts: string) => (p.time ? `${padRight(time, 8)} ` : '') + (p.timestamp ? `${padRight(ts, 9)} ` : '');
  let out = prefix('TIME', 'TIME(s)') + cols(['PID', 'COMM', 'LADDR', 'LPORT', 'RADDR', 'RPORT', 'TX_KB', 'RX_KB', 'MS']) + '\n';
  const t0 = events.length > 0 ? BigInt(events[0]!.tsNs) : 0n;
  for (const e of events) {
    out +=
      prefix(e.time.slice(11, 19), (Number(BigInt(e.tsNs) - t0) / 1e9).toFixed(6)) +
      cols([e.pid, e.comm, e.laddr, e.lport, e.raddr, e.rport, (e.txBytes / 1024).toFixed(2), (e.rxBytes / 1024).toFixed(2), e.ms.toFixed(2)]) +
      '\n';
  }
  if (data.sessions > 0) {
    out += `\n${data.sessions} sessions\n` + renderLog2(data.duration, 'usecs');
    out += '\nbytes sent:\n' + renderLog2(data.txBytes, 'bytes') + '\nbytes received:\n' + renderLog2(data.rxBytes, 'bytes');
  }
  if (data.owners?.length) {
    const cols = [{ header: (p.by ?? 'owner').toUpperCase() }, { header: 'SESSIONS', align: 'right' as const }, { header: 'TX_KB', align: 'right' as const }, { header: 'RX_KB', align: 'right' as const }, { header: 'P50_MS', align: 'right' as const }, { header: 'MAX_MS', align: 'right' as const }];
    const ms = (us: number | null | undefined) => (us === null || us === undefined ? '-' : (us / 1000).toFixed(2));
    out += '\n' + renderTable(cols, data.owners.map((o) => [o.key, o.sessions, (o.txBytes / 1024).toFixed(2), (o.rxBytes / 1024).toFixed(2), ms(o.duration.p50?.value), ms(o.duration.max)]));
  }
  return out;
}
