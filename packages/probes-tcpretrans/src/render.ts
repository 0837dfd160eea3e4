/**
 * Upstream tcpretrans' text (bcc tools/tcpretrans.py):
 *
 *   TIME     PID     IP LADDR:LPORT          T> RADDR:RPORT          STATE
 *   01:55:05 0       4  10.153.223.157:22    R> 69.53.245.40:34619   ESTABLISHED
 *
 * with SEQ appended when `sequence` is set; count mode prints the per-flow table instead:
 *
 *   LADDR:LPORT              RADDR:RPORT             RETRANSMITS
 *   10.153.223.157:22    <-> 69.53.245.40:34619          2
 *
 * With `by`, a table of retransmits per pod or container follows.
 */
import { padLeft, padRight, renderTable, type TableColumn } from '@sonde/probe-sdk';
import type { TcpretransData } from './index.js';
import type { TcpretransParams } from './params.js';

const ep = (family: number, addr: string, port: number) => (family === 6 ? `[${addr}]:${port}` : `${addr}:${port}`);

export function renderTcpretrans(data: TcpretransData, p: Pick<TcpretransParams, 'count' | 'sequence'> & Partial<Pick<TcpretransParams, 'by'>>): string {
  if (p.count) {
    let out = `${padRight('LADDR:LPORT', 24)} ${padRight('RADDR:RPORT', 23)} RETRANSMITS\n`;
    for (const f of data.flows) out += `${padRight(ep(f.family, f.laddr, f.lport), 20)} <-> ${padRight(ep(f.family, f.raddr, f.rport), 24)} ${padLeft(f.retransmits, 10)}\n`;
    return out + ownerTable(data, p.by);
  }
  let out = `${padRight('TIME', 8)} ${padRight('PID', 7)} ${padRight('IP', 2)} ${padRight('LADDR:LPORT', 20)} T> ${padRight('RADDR:RPORT', 20)} ${p.sequence ? `${padRight('STATE', 11)} SEQ` : 'STATE'}\n`;
  for (const e of data.events ?? []) {
    out +=
      `${e.time.slice(11, 19)} ${padRight(e.pid, 7)} ${padRight(e.family, 2)} ${padRight(ep(e.family, e.laddr, e.lport), 20)} ${e.type}> ` +
      `${padRight(ep(e.family, e.raddr, e.rport), 20)} ${p.sequence ? `${padRight(e.state, 11)} ${e.seq}` : e.state}\n`;
  }
  const tlp = data.total.tlp === undefined ? '' : `, ${data.total.tlp} tail-loss probes`;
  out += `\n${data.total.retransmits} retransmits (${data.total.segments} segments)${tlp} in ${data.flows.length} flows\n`;
  return out + ownerTable(data, p.by);
}

/** with `by`: retransmits per pod or container */
function ownerTable(data: TcpretransData, by: string | undefined): string {
  if (!data.owners?.length) return '';
  const cols: TableColumn[] = [{ header: (by ?? 'owner').toUpperCase() }, { header: 'RETRANSMITS', align: 'right' }, { header: 'SEGMENTS', align: 'right' }, { header: 'FLOWS', align: 'right' }];
  return '\n' + renderTable(cols, data.owners.map((o) => [o.key, o.retransmits, o.segments, o.flows]));
}
