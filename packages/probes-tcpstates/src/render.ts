/**
 * Upstream tcpstates' text (libbpf-tools/tcpstates.c): one line per state change,
 *
 *   SKADDR           PID     COMM             IP LADDR           LPORT RADDR           RPORT OLDSTATE    -> NEWSTATE    MS
 *   ffff8f0c4b2b5a00 51234   curl             4  127.0.0.1       0     127.0.0.1       8080  CLOSE       -> SYN_SENT    0.000
 *
 * with TIME(s) first when `timestamp` is set (seconds since the first event) and 39-wide address
 * columns when `wide`. Beyond upstream: a transition table and one dwell histogram per state.
 */
import { padRight, renderLog2, renderTable } from '@sonde/probe-sdk';
import type { TcpstatesData } from './index.js';
import type { TcpstatesParams } from './params.js';

export function renderTcpstates(data: TcpstatesData, p: Pick<TcpstatesParams, 'timestamp' | 'wide'>): string {
  const events = data.events ?? [];
  const aw = p.wide ? 39 : 15;
  let out = '';
  if (p.timestamp) out += `${padRight('TIME(s)', 8)} `;
  out +=
    [padRight('SKADDR', 16), padRight('PID', 7), padRight('COMM', 16), padRight('IP', 2), padRight('LADDR', aw), padRight('LPORT', 5), padRight('RADDR', aw), padRight('RPORT', 5), padRight('OLDSTATE', 11)].join(' ') +
    ` -> ${padRight('NEWSTATE', 11)} MS\n`;
  const t0 = events.length > 0 ? BigInt(events[0]!.tsNs) : 0n;
  for (const e of events) {
    if (p.timestamp) out += `${padRight((Number(BigInt(e.tsNs) - t0) / 1e9).toFixed(3), 8)} `;
    out +=
      [
        e.skaddr.replace(/^0x/, '').padStart(16, '0'),
        padRight(e.pid, 7),
        padRight(e.comm, 16),
        padRight(e.family, 2),
        padRight(e.laddr, aw),
        padRight(e.lport, 5),
        padRight(e.raddr, aw),
        padRight(e.rport, 5),
        padRight(e.oldstate, 11),
      ].join(' ') + ` -> ${padRight(e.newstate, 11)} ${e.ms === null ? '-' : e.ms.toFixed(3)}\n`;
  }
  if (data.transitions.length > 0) {
    out += '\n' + renderTable([{ header: 'OLDSTATE' }, { header: 'NEWSTATE' }, { header: 'COUNT', align: 'right' }], data.transitions.map((t) => [t.from, t.to, t.count]));
  }
  for (const d of data.dwell) out += `\ntime in ${d.state}:\n` + renderLog2(d.hist, 'usecs');
  return out;
}
