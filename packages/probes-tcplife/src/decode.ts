/**
 * What bpf/tcplife.h's records mean: ring-buffer records (struct tcplife_event) and the `hists` array
 * (index TCPLIFE_HIST_* -> struct tcplife_hist). Layouts: layout.gen.ts.
 */
import { decodeScalar, log2Histogram, mapEntries, ProbeLoadError, sideSize, skEventHead, type Histogram, type MapDump, type SkEventHead } from '@sonde/probe-sdk';
import { maps, tcplife_event, tcplife_hist } from './layout.gen.js';

export interface TcplifeEvent extends SkEventHead {
  /** bytes sent and acknowledged by the peer (tcp_sock.bytes_acked) */
  txBytes: number;
  /** bytes received (tcp_sock.bytes_received) */
  rxBytes: number;
  /** lifetime in ms (3 decimals), from the first SYN state to CLOSE */
  ms: number;
}

export function decodeEvent(b: Buffer): TcplifeEvent {
  const e = tcplife_event.decode(b);
  return { ...skEventHead(e.h), txBytes: e.tx_bytes, rxBytes: e.rx_bytes, ms: Math.round(e.dur_ns / 1000) / 1000 };
}

export interface TcplifeSummary {
  sessions: number;
  /** session lifetimes, usecs */
  duration: Histogram;
  txBytes: Histogram;
  rxBytes: Histogram;
}

export function decodeHists(dump: MapDump): TcplifeSummary {
  const { key: k, maxEntries } = maps.hists;
  if (dump.keySize !== sideSize(k) || dump.valueSize !== tcplife_hist.size || dump.count !== maxEntries) {
    throw new ProbeLoadError(
      `tcplife: hists map has ${dump.count} entries of ${dump.keySize}/${dump.valueSize} bytes, expected ${maxEntries} of ${sideSize(k)}/${tcplife_hist.size}: object and decoder disagree`,
      'read',
    );
  }
  const hists: Histogram[] = [];
  let sessions = 0;
  for (const { key, value } of mapEntries(dump)) {
    const idx = decodeScalar(k, key);
    const v = tcplife_hist.decode(value);
    if (idx === 0) sessions = v.cnt;
    hists[idx] = log2Histogram(v.slots, { unit: idx === 0 ? 'usecs' : 'bytes', sum: v.sum });
  }
  return { sessions, duration: hists[0]!, txBytes: hists[1]!, rxBytes: hists[2]! };
}
