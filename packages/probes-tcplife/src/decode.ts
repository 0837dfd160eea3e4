/**
 * Decoding of bpf/tcplife.h: ring-buffer records (struct tcplife_event, 120 bytes) and the `hists`
 * array (index TCPLIFE_HIST_* -> struct tcplife_hist, 400 bytes).
 */
import { decodeSkEventHead, log2Histogram, mapEntries, ProbeLoadError, readU64Array, SK_EVENT_HEAD_SIZE, type Histogram, type MapDump, type SkEventHead } from '@sonde/probe-sdk';

export const EVENT_SIZE = SK_EVENT_HEAD_SIZE + 24;
export const MAX_SLOTS = 48;
export const HIST_SIZE = 8 * (MAX_SLOTS + 2);

export interface TcplifeEvent extends SkEventHead {
  /** bytes sent and acknowledged by the peer (tcp_sock.bytes_acked) */
  txBytes: number;
  /** bytes received (tcp_sock.bytes_received) */
  rxBytes: number;
  /** lifetime in ms (3 decimals), from the first SYN state to CLOSE */
  ms: number;
}

export function decodeEvent(b: Buffer): TcplifeEvent {
  if (b.length < EVENT_SIZE) throw new ProbeLoadError(`tcplife: event of ${b.length} bytes, expected ${EVENT_SIZE}`, 'read');
  const e = decodeSkEventHead(b) as TcplifeEvent;
  e.txBytes = Number(b.readBigUInt64LE(SK_EVENT_HEAD_SIZE));
  e.rxBytes = Number(b.readBigUInt64LE(SK_EVENT_HEAD_SIZE + 8));
  e.ms = Math.round(Number(b.readBigUInt64LE(SK_EVENT_HEAD_SIZE + 16)) / 1000) / 1000;
  return e;
}

export interface TcplifeSummary {
  sessions: number;
  /** session lifetimes, usecs */
  duration: Histogram;
  txBytes: Histogram;
  rxBytes: Histogram;
}

export function decodeHists(dump: MapDump): TcplifeSummary {
  if (dump.keySize !== 4 || dump.valueSize !== HIST_SIZE || dump.count !== 3) {
    throw new ProbeLoadError(
      `tcplife: hists map has ${dump.count} entries of ${dump.keySize}/${dump.valueSize} bytes, expected 3 of 4/${HIST_SIZE}: object and decoder disagree`,
      'read',
    );
  }
  const hists: Histogram[] = [];
  let sessions = 0;
  for (const { key, value: v } of mapEntries(dump)) {
    const idx = key.readUInt32LE(0);
    if (idx === 0) sessions = Number(v.readBigUInt64LE(8 * (MAX_SLOTS + 1)));
    hists[idx] = log2Histogram(readU64Array(v, 0, MAX_SLOTS), { unit: idx === 0 ? 'usecs' : 'bytes', sum: v.readBigUInt64LE(8 * MAX_SLOTS) });
  }
  return { sessions, duration: hists[0]!, txBytes: hists[1]!, rxBytes: hists[2]! };
}
