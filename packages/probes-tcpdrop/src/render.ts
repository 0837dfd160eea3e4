/**
 * Upstream tcpdrop's text (bcc tools/tcpdrop.py): per drop a line
 * `TIME PID IP SADDR:SPORT > DADDR:DPORT STATE (FLAGS)` followed by its kernel stack, one frame per
 * line after a tab, then a blank line. SADDR is the local side, as upstream prints the socket's
 * saddr. Beyond upstream: the drop reason at the end of each line (upstream's reason table is stale),
 * no PID (drops happen in softirq; upstream prints whichever task was interrupted), and a summary
 * by reason, by flow and by stack, which counts every drop, not only the listed ones; with `by`, by pod
 * or container (the socket's owner, known in softirq too).
 */
import { formatEndpoint, padRight, renderListenSockets, renderTable } from '@sonde/probe-sdk';
import type { DropEvent, TcpdropData } from './index.js';
import type { TcpdropParams } from './params.js';

function eventLine(e: DropEvent): string {
  const time = e.time.slice(11, 19);
  const l = formatEndpoint(e.family, e.laddr, e.lport);
  const r = formatEndpoint(e.family, e.raddr, e.rport);
  return `${padRight(time, 8)} ${padRight('-', 7)} ${padRight(e.family, 2)} ${padRight(l, 20)} > ${padRight(r, 20)} ${e.state} (${e.flags}) ${e.reason}\n`;
}

export function renderTcpdrop(data: TcpdropData, p?: Partial<TcpdropParams>): string {
  let out = '';
  if (data.events.length > 0) {
    out += `${padRight('TIME', 8)} ${padRight('PID', 7)} ${padRight('IP', 2)} ${padRight('SADDR:SPORT', 20)} > ${padRight('DADDR:DPORT', 20)} STATE (FLAGS) REASON\n`;
    for (const e of data.events) {
      out += eventLine(e);
      for (const f of e.stack) out += `\t${f}\n`;
      out += '\n';
    }
    if (data.eventsOmitted > 0) out += `(${data.eventsOmitted} more drops counted below, not listed)\n\n`;
  }
  if (data.total === 0) return out + 'no TCP drops matched\n';

  out += `${data.total} TCP drops\n\nBY REASON\n`;
  out += renderTable(
    [{ header: 'COUNT', align: 'right' }, { header: 'REASON' }],
    data.reasons.map((r) => [r.count, r.subsystem === 'CORE' ? r.reason : `${r.reason} (${r.subsystem})`]),
  );
  if (data.flows.length > 0) {
    out += `\nBY FLOW (top ${data.flows.length} of ${data.flowCount})\n`;
    out += renderTable(
      [{ header: 'COUNT', align: 'right' }, { header: 'LADDR:LPORT' }, { header: 'RADDR:RPORT' }, { header: 'STATE' }, { header: 'FLAGS' }, { header: 'REASON' }],
      data.flows.map((f) => [
        f.count,
        formatEndpoint(f.family, f.laddr, f.lport),
        formatEndpoint(f.family, f.raddr, f.rport),
        f.state,
        f.flags || '-',
        f.reason,
      ]),
    );
  }
  if (data.flowsMissed > 0) out += `(${data.flowsMissed} drops of further flows did not fit the flow map)\n`;
  if (data.owners?.length) {
    out += `\nBY ${(p?.by ?? 'owner').toUpperCase()}\n`;
    out += renderTable([{ header: 'COUNT', align: 'right' }, { header: 'FLOWS', align: 'right' }, { header: (p?.by ?? 'owner').toUpperCase() }], data.owners.map((o) => [o.count, o.flows, o.key]));
  }
  if (data.stacks.length > 0) {
    out += `\nBY STACK (top ${data.stacks.length} of ${data.stackCount})\n`;
    for (const s of data.stacks) {
      out += `${s.count} ${s.reason}\n`;
      for (const f of s.frames) out += `\t${f}\n`;
    }
  }
  if (data.stacklessDrops > 0) out += `(${data.stacklessDrops} drops without a stack: the stack map was full or its bucket taken)\n`;
  const lo = data.listenOverflows;
  if (lo.listeners.length > 0) {
    out += `\nLISTENERS (${lo.count} listen overflows counted by ${lo.countedBy ?? 'nothing'}; listen drops ${lo.listenDrops ?? '-'})\n`;
    out += renderListenSockets(lo.listeners);
  }
  return out;
}
