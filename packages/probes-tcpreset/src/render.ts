/** tcpreset's text output: resets per direction and reason, then the flows with most resets. */
import { formatEndpoint, renderTable } from '@sonde/probe-sdk';
import type { TcpresetData } from './index.js';

export function render(data: TcpresetData): string {
  let out = renderTable(
    [{ header: 'DIR' }, { header: 'REASON' }, { header: 'RESETS', align: 'right' }],
    data.reasons.map((r) => [r.direction, r.reason ?? '-', r.count]),
  );
  out += `${data.total.sent} sent, ${data.total.received} received\n`;
  if (data.flows.length === 0) return out;
  out += '\n';
  out += renderTable(
    [{ header: 'DIR' }, { header: 'LOCAL' }, { header: 'REMOTE' }, { header: 'REASON' }, { header: 'PID', align: 'right' }, { header: 'COMM' }, { header: 'RESETS', align: 'right' }],
    data.flows.map((f) => [f.direction, formatEndpoint(f.family, f.laddr, f.lport), formatEndpoint(f.family, f.raddr, f.rport), f.reason ?? '-', f.pid || '-', f.comm || '-', f.count]),
  );
  if (data.flowCount > data.flows.length) out += `(${data.flowCount - data.flows.length} more flows)\n`;
  if (data.flowsMissed > 0) out += `(${data.flowsMissed} resets of flows the kernel table had no room for)\n`;
  return out;
}
