/**
 * Upstream tcptracer's text (libbpf-tools/tcptracer.c):
 *
 *   T  PID    COMM             IP SADDR            DADDR            SPORT  DPORT
 *   C  28943  telnet           4  192.168.1.2      192.168.1.1      59306  23
 *
 * with TIME(s) first when `timestamp`, and NETNS last when `verbose` (bcc's -v).
 */
import { padRight } from '@sonde/probe-sdk';
import type { TcptracerData } from './index.js';
import type { TcptracerParams } from './params.js';

export function renderTcptracer(data: TcptracerData, p: Pick<TcptracerParams, 'timestamp' | 'verbose'>): string {
  const events = data.events ?? [];
  const aw = events.some((e) => e.family === 6) ? 39 : 16;
  const row = (v: Array<string | number>) =>
    [padRight(v[0]!, 2), padRight(v[1]!, 6), padRight(v[2]!, 16), padRight(v[3]!, 2), padRight(v[4]!, aw), padRight(v[5]!, aw), padRight(v[6]!, 6), p.verbose ? `${padRight(v[7]!, 6)} ${v[8]}` : v[7]].join(' ');
  const t0 = events.length > 0 ? BigInt(events[0]!.tsNs) : 0n;
  let out = (p.timestamp ? `${padRight('TIME(s)', 9)} ` : '') + row(['T', 'PID', 'COMM', 'IP', 'SADDR', 'DADDR', 'SPORT', 'DPORT', 'NETNS']) + '\n';
  for (const e of events) {
    out += (p.timestamp ? `${padRight((Number(BigInt(e.tsNs) - t0) / 1e9).toFixed(3), 9)} ` : '') + row([e.type, e.pid, e.comm, e.family, e.laddr, e.raddr, e.lport, e.rport, e.netns]) + '\n';
  }
  const c = data.counts;
  out += `\n${c.connect} connects, ${c.accept} accepts, ${c.close} closes\n`;
  return out;
}
