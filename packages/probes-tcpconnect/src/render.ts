/**
 * Upstream tcpconnect's text (libbpf-tools/tcpconnect.c print_events_header / print_events):
 *
 *   [TIME(s)  ][UID   ]PID    COMM         IP SADDR            DADDR           [ SPORT] DPORT
 *
 * plus, beyond upstream, a RESULT column (established, refused ECONNREFUSED, ...). Count mode
 * (upstream -c) prints LADDR RADDR RPORT CONNECTS, plus FAILED. A one-line summary follows.
 */
import { padRight } from '@sonde/probe-sdk';
import type { TcpconnectData } from './index.js';
import type { TcpconnectParams } from './params.js';

type Opts = Pick<TcpconnectParams, 'sourcePort' | 'printUid' | 'timestamps'>;

function summary(data: TcpconnectData): string {
  if (data.totals.connects === 0) return 'no connects matched\n';
  const parts = Object.entries(data.outcomes).map(([k, n]) => `${n} ${k}`);
  return `${data.totals.connects} connects, ${data.totals.failed} failed${parts.length ? ` (${parts.join(', ')})` : ''}\n`;
}

export function renderTcpconnect(data: TcpconnectData, p: Partial<Opts>): string {
  if (data.mode === 'count') {
    let out = `\n${padRight('LADDR', 25)} ${padRight('RADDR', 25)} ${padRight('RPORT', 20)} ${padRight('CONNECTS', 10)} FAILED\n`;
    for (const c of data.counts ?? []) {
      out += `${padRight(c.laddr, 25)} ${padRight(c.raddr, 25)} ${padRight(c.rport, 20)} ${padRight(c.connects, 10)} ${c.failed}\n`;
    }
    return out + summary(data);
  }
  const events = data.events ?? [];
  let out = '';
  if (p.timestamps) out += padRight('TIME(s)', 9);
  if (p.printUid) out += padRight('UID', 6);
  out += `${padRight('PID', 6)} ${padRight('COMM', 12)} ${padRight('IP', 2)} ${padRight('SADDR', 16)} ${padRight('DADDR', 16)}`;
  if (p.sourcePort) out += ` ${padRight('SPORT', 5)}`;
  out += ` ${padRight('DPORT', 5)} RESULT\n`;
  const t0 = events.length ? BigInt(events[0]!.tsNs) : 0n;
  for (const e of events) {
    if (p.timestamps) out += padRight((Number(BigInt(e.tsNs) - t0) / 1e9).toFixed(3), 9);
    if (p.printUid) out += padRight(e.uid, 6);
    out += `${padRight(e.pid, 6)} ${padRight(e.comm.slice(0, 12), 12)} ${padRight(e.family, 2)} ${padRight(e.laddr, 16)} ${padRight(e.raddr, 16)}`;
    if (p.sourcePort) out += ` ${padRight(e.lport, 5)}`;
    out += ` ${padRight(e.rport, 5)} ${e.outcome}${e.error ? ` ${e.error}` : ''}\n`;
  }
  return out + summary(data);
}
