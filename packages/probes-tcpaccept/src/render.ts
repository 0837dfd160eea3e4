/**
 * Upstream tcpaccept's text (tools/tcpaccept.py):
 *
 *   [TIME    ][TIME(s)  ]PID     COMM         IP RADDR            RPORT LADDR            LPORT
 *
 * then a one-line summary per local port.
 */
import { padRight } from '@sonde/probe-sdk';
import type { TcpacceptData } from './index.js';
import type { TcpacceptParams } from './params.js';

export function renderTcpaccept(data: TcpacceptData, p: Partial<Pick<TcpacceptParams, 'time' | 'timestamps'>>): string {
  const events = data.events ?? [];
  let out = (p.time ? padRight('TIME', 9) : '') + (p.timestamps ? padRight('TIME(s)', 9) : '');
  out += `${padRight('PID', 7)} ${padRight('COMM', 12)} ${padRight('IP', 2)} ${padRight('RADDR', 16)} ${padRight('RPORT', 5)} ${padRight('LADDR', 16)} LPORT\n`;
  const t0 = events.length ? BigInt(events[0]!.tsNs) : 0n;
  for (const e of events) {
    if (p.time) out += padRight(e.time.slice(11, 19), 9);
    if (p.timestamps) out += padRight((Number(BigInt(e.tsNs) - t0) / 1e9).toFixed(3), 9);
    out += `${padRight(e.pid, 7)} ${padRight(e.comm.slice(0, 12), 12)} ${padRight(e.family, 2)} ${padRight(e.raddr, 16)} ${padRight(e.rport, 5)} ${padRight(e.laddr, 16)} ${e.lport}\n`;
  }
  if (data.total === 0) return out + 'no accepts matched\n';
  return out + `${data.total} accepts: ${data.byLport.map((b) => `${b.accepts} on port ${b.lport}`).join(', ')}\n`;
}
