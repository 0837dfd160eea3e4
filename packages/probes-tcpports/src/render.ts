/**
 * tcpports has no upstream tool; its text reads like `ss -s` plus the port-range figures:
 * states in ss's order and names, the range use, then the top remote endpoints as a table.
 * A series prints one compact line per snapshot after the last snapshot in full.
 */
import { formatEndpoint, ownerLabel, renderTable } from '@sonde/probe-sdk';
import type { PortsSnapshot, TcpportsData } from './index.js';

/** ss's names for the kernel's states */
const SS_NAMES: Record<string, string> = {
  ESTABLISHED: 'ESTAB',
  SYN_SENT: 'SYN-SENT',
  SYN_RECV: 'SYN-RECV',
  FIN_WAIT1: 'FIN-WAIT-1',
  FIN_WAIT2: 'FIN-WAIT-2',
  TIME_WAIT: 'TIME-WAIT',
  CLOSE: 'UNCONN',
  CLOSE_WAIT: 'CLOSE-WAIT',
  LAST_ACK: 'LAST-ACK',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
  NEW_SYN_RECV: 'SYN-RECV',
};

export function ssStateName(kernel: string): string {
  return SS_NAMES[kernel] ?? kernel;
}

function full(s: PortsSnapshot): string {
  let out = `TCP sockets: ${s.sockets} (pass ${s.tookMs} ms)\n`;
  out += renderTable(
    [{ header: 'STATE' }, { header: 'COUNT', align: 'right' }],
    Object.entries(s.states).map(([k, n]) => [`${ssStateName(k)}${SS_NAMES[k] && SS_NAMES[k] !== k ? ` (${k})` : ''}`, n]),
  );
  const e = s.ephemeral;
  out += `\nephemeral range ${e.range[0]}-${e.range[1]} (${e.size} ports): ${e.portsUsed} in use (${e.usedPct}%), ${e.sockets} sockets on them, at most ${e.maxPerPort} on one port\n`;
  if (s.remotes.length > 0) {
    out += `\nTOP REMOTE ENDPOINTS (connections from ephemeral ports; ${s.remoteCount} endpoints)\n`;
    out += renderTable(
      [{ header: 'RADDR:RPORT' }, { header: 'CONNS', align: 'right' }, { header: '%RANGE', align: 'right' }],
      s.remotes.map((r) => [formatEndpoint(r.family, r.addr, r.port), r.connections, r.rangePct]),
    );
  }
  if (s.remotesMissed > 0) out += `(${s.remotesMissed} connections to further endpoints did not fit the endpoint map)\n`;
  if (s.owners.length > 0) {
    out += `\nTOP OWNERS (the sockets' cgroups; ${s.ownerCount} owners)\n`;
    out += renderTable(
      [{ header: 'OWNER' }, { header: 'SOCKETS', align: 'right' }, { header: 'EPHEMERAL', align: 'right' }],
      s.owners.map((o) => [o.owner ? ownerLabel(o.owner) : o.cgroup === '0' ? '(time-wait, no cgroup)' : `cgroup ${o.cgroup}`, o.sockets, o.ephemeralSockets]),
    );
  }
  if (s.ownersMissed > 0) out += `(${s.ownersMissed} sockets of further owners did not fit the owner map)\n`;
  return out;
}

export function renderTcpports(data: TcpportsData): string {
  if (!data.series) return full(data);
  const lines = data.series.map(
    (s) => `${s.at.slice(11, 19)} sockets ${s.sockets} estab ${s.states.ESTABLISHED ?? 0} time-wait ${s.states.TIME_WAIT ?? 0} ephemeral ${s.ephemeral.portsUsed}/${s.ephemeral.size} (${s.ephemeral.usedPct}%)\n`,
  );
  return full(data) + '\n' + lines.join('');
}
