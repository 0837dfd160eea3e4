/**
 * tcptrace has no upstream tool; the text follows tcpdump for the packet line and bcc's tables and
 * log2 histograms for the rest:
 *
 *   10.231.5.1.40000 > 10.231.5.2.8080: Flags [P.], seq 1, length 1000 (end: read)
 *     STAGE                   +US      DELTA_US CPU DEV
 *     net_dev_queue           0.000    0.000    1   veth5a
 *     …
 *
 * then, per stage pair, `from -> to` and a histogram in nsecs, and the paths packets took.
 */
import { formatPercentile, renderLog2, renderTable } from '@sonde/probe-sdk';
import type { Packet } from './decode.js';
import type { TcptraceData } from './index.js';

const ep = (a: string, port: number) => `${a}.${port}`; // as tcpdump, for both families

function packet(p: Packet): string {
  let out = `${ep(p.saddr, p.sport)} > ${ep(p.daddr, p.dport)}: Flags [${p.flags}], seq ${p.seq}, length ${p.len} (end: ${p.end}${p.dropReason !== undefined ? `, reason ${p.dropReason}` : ''})\n`;
  const table = renderTable(
    [{ header: 'STAGE' }, { header: '+US', align: 'right' }, { header: 'DELTA_US', align: 'right' }, { header: 'CPU', align: 'right' }, { header: 'DEV' }],
    p.stages.map((s) => [s.stage, s.atUs.toFixed(3), s.deltaUs.toFixed(3), s.cpu, s.ifname || '-']),
  );
  out += table.replace(/^(?=.)/gm, '  ');
  if (p.lostStages) out += `  … ${p.lostStages} more stages not recorded\n`;
  return out;
}

export function renderTcptrace(data: TcptraceData): string {
  let out = data.packets.length ? data.packets.map(packet).join('') : 'no TCP packets matched\n';
  if (data.notKept) out += `… ${data.notKept} more packets only in the histograms\n`;
  for (const s of data.stages) {
    const h = s.hist;
    out += `\n${s.from} -> ${s.to}\n${renderLog2(h)}`;
    out += `     ${h.count} packets; ${[formatPercentile('p50', h.p50), formatPercentile('p99', h.p99)].join(', ')} nsecs; min ${h.min}, max ${h.max}\n`;
  }
  const paths = Object.entries(data.paths).sort((a, b) => b[1] - a[1]);
  if (paths.length) out += `\n${renderTable([{ header: 'PACKETS', align: 'right' }, { header: 'PATH' }], paths.map(([k, v]) => [v, k]))}`;
  out += `\n${data.tracked} packets tracked\n`;
  return out;
}
