/**
 * Upstream tcpsynbl's text (libbpf-tools/tcpsynbl.c): per accept-queue limit a line
 * `backlog_max = N` and the log2 histogram labelled `backlog`. Interval runs print each interval
 * after its time (HH:MM:SS, UTC). Beyond upstream: the longest queue and the overflow count under
 * each histogram, and a per-listener table.
 */
import { ownerLabel, renderListenSockets, renderLog2, renderTable } from '@sonde/probe-sdk';
import { byMaxBacklog, type ListenerBacklog } from './decode.js';
import type { TcpsynblData } from './index.js';

function block(groups: TcpsynblData['byMaxBacklog']): string {
  return groups
    .map((g) => {
      let out = `backlog_max = ${g.maxBacklog}\n`;
      out += renderLog2(g.hist, 'backlog');
      out += `     max backlog seen ${g.max ?? '-'}, overflows ${g.overflows}\n`;
      return out;
    })
    .join('\n');
}

function listenersTable(ls: readonly ListenerBacklog[]): string {
  const owners = ls.some((l) => l.owner);
  return renderTable(
    [
      { header: 'LPORT', align: 'right' },
      ...(owners ? [{ header: 'OWNER' }] : []),
      { header: 'BACKLOG_MAX', align: 'right' as const },
      { header: 'ADDED', align: 'right' as const },
      { header: 'MAX_SEEN', align: 'right' as const },
      { header: 'OVERFLOWS', align: 'right' as const },
    ],
    ls.map((l) => [l.lport, ...(owners ? [l.owner ? ownerLabel(l.owner) : '-'] : []), l.maxBacklog, l.hist.count, l.max ?? '-', l.overflows]),
  );
}

export function renderTcpsynbl(data: TcpsynblData): string {
  if (data.series) {
    return data.series.map((s) => `\n${s.at.slice(11, 19)}\n${block(byMaxBacklog(s.listeners))}`).join('');
  }
  if (data.listeners.length === 0) return 'no connections joined a matching accept queue\n';
  let out = block(data.byMaxBacklog);
  out += `\n${listenersTable(data.listeners)}`;
  if (data.overflowsCountedBy === null) out += '(overflows not counted on this kernel: no fentry, kprobe or TCP_LISTEN_OVERFLOW drop reason)\n';
  else if (data.overflowsCountedBy === 'listener_drops') out += "(overflows: completed handshakes by drop reason TCP_LISTEN_OVERFLOW, SYNs refused by a full queue from each listener's drop counter)\n";
  if (data.listenSockets.length > 0) out += `\n${renderListenSockets(data.listenSockets)}`;
  return out;
}
