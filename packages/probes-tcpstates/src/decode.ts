/**
 * Decoding of bpf/tcpstates.h: ring-buffer records (struct tcpstates_event, 112 bytes) and the
 * two summary maps (`dwell`: state -> struct tcpstates_dwell; `transitions`: old*13+new -> u64).
 */
import {
  checkMapSizes,
  decodeSkEventHead,
  log2Histogram,
  mapEntries,
  ProbeLoadError,
  readU64Array,
  SK_EVENT_HEAD_SIZE,
  tcpStateName,
  type Histogram,
  type MapDump,
  type SkEventHead,
} from '@sonde/probe-sdk';

export const EVENT_SIZE = SK_EVENT_HEAD_SIZE + 16;
export const NSTATES = 13;
export const MAX_SLOTS = 32;
export const DWELL_SIZE = 8 * (MAX_SLOTS + 2);

export interface TcpstatesEvent extends SkEventHead {
  oldstate: string;
  newstate: string;
  /** ms spent in oldstate (3 decimals); null when its start was not seen (socket older than the job) */
  ms: number | null;
}

export function decodeEvent(b: Buffer): TcpstatesEvent {
  if (b.length < EVENT_SIZE) throw new ProbeLoadError(`tcpstates: event of ${b.length} bytes, expected ${EVENT_SIZE}`, 'read');
  const h = decodeSkEventHead(b) as TcpstatesEvent;
  const known = b[SK_EVENT_HEAD_SIZE + 10] === 1;
  h.oldstate = tcpStateName(b[SK_EVENT_HEAD_SIZE + 8]!);
  h.newstate = tcpStateName(b[SK_EVENT_HEAD_SIZE + 9]!);
  h.ms = known ? Math.round(Number(b.readBigUInt64LE(SK_EVENT_HEAD_SIZE)) / 1000) / 1000 : null;
  return h;
}

export interface Transition {
  from: string;
  to: string;
  count: number;
}

export interface StateDwell {
  /** the state these sockets were in */
  state: string;
  /** time spent in it before the next change, usecs */
  hist: Histogram;
}

/** non-zero transitions, most frequent first */
export function decodeTransitions(dump: MapDump): Transition[] {
  checkMapSizes('tcpstates', 'transitions', dump, 4, 8);
  const out: Transition[] = [];
  for (const { key, value } of mapEntries(dump)) {
    const idx = key.readUInt32LE(0);
    const count = Number(value.readBigUInt64LE(0));
    if (count > 0) out.push({ from: tcpStateName(Math.floor(idx / NSTATES)), to: tcpStateName(idx % NSTATES), count });
  }
  return out.sort((a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** dwell histograms of the states that were left at least once, in state-number order */
export function decodeDwell(dump: MapDump): StateDwell[] {
  checkMapSizes('tcpstates', 'dwell', dump, 4, DWELL_SIZE);
  const rows: Array<{ n: number; d: StateDwell }> = [];
  for (const { key, value: v } of mapEntries(dump)) {
    const n = key.readUInt32LE(0);
    const slots = readU64Array(v, 0, MAX_SLOTS);
    const cnt = v.readBigUInt64LE(8 * (MAX_SLOTS + 1));
    if (cnt === 0n) continue;
    rows.push({ n, d: { state: tcpStateName(n), hist: log2Histogram(slots, { unit: 'usecs', sum: v.readBigUInt64LE(8 * MAX_SLOTS) }) } });
  }
  return rows.sort((a, b) => a.n - b.n).map((r) => r.d);
}
