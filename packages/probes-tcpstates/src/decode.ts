/**
 * Decoding of bpf/tcpstates.h: ring-buffer records (struct tcpstates_event, 112 bytes) and the
 * two per-CPU summary maps (`dwell`: state -> struct tcpstates_dwell; `transitions`: old*13+new -> u64),
 * summed over the CPUs here.
 */
import {
  AF_INET6,
  checkMapSizes,
  formatAddr,
  log2Histogram,
  mapEntries,
  ProbeLoadError,
  readU64Array,
  sumPerCpu,
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

/*
 * The decoder is on the hot path (one call per state change, ~100k/s under connection churn), so it
 * produces exactly what decodeSkEventHead + the tcpstates fields would, without the per-event costs
 * of the generic one: no BigInt (u64s are read as two u32s; values below 2^53 — timestamps, cgroup
 * ids, dwell times — convert exactly), the monotonic-to-epoch offset sampled once per 1024 events
 * or 100 ms, the ISO time string reused within a millisecond, and ASCII comms, IPv4 addresses and
 * cgroup ids cached or decoded as latin1.
 */
const TWO32 = 4294967296;
let offsetMs = 0;
let offsetAt = -Infinity;
let offsetUses = 0;
let lastMs = NaN;
let lastIso = '';
const v4Cache = new Map<number, string>();
const cgCache = new Map<number, string>();

/** Date.now() - CLOCK_MONOTONIC ms, resampled every 1024 calls or 100 ms (what monoNsToEpochMs computes) */
function monoOffsetMs(): number {
  const now = Date.now();
  if (++offsetUses >= 1024 || now - offsetAt > 100 || now < offsetAt) {
    offsetMs = now - Number(process.hrtime.bigint()) / 1e6;
    offsetAt = now;
    offsetUses = 0;
  }
  return offsetMs;
}

function u64String(b: Buffer, off: number): string {
  const hi = b.readUInt32LE(off + 4);
  if (hi < 0x200000) return String(hi * TWO32 + b.readUInt32LE(off));
  return b.readBigUInt64LE(off).toString();
}

function commOf(b: Buffer, off: number): string {
  let end = off;
  let ascii = true;
  for (; end < off + 16; end++) {
    const c = b[end]!;
    if (c === 0) break;
    if (c >= 0x80) ascii = false;
  }
  return b.toString(ascii ? 'latin1' : 'utf8', off, end);
}

function v4Of(b: Buffer, off: number): string {
  const k = b.readUInt32LE(off);
  let s = v4Cache.get(k);
  if (s === undefined) {
    if (v4Cache.size >= 4096) v4Cache.clear();
    s = `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
    v4Cache.set(k, s);
  }
  return s;
}

function cgroupOf(b: Buffer, off: number): string {
  if (b.readUInt32LE(off + 4) !== 0) return u64String(b, off);
  const k = b.readUInt32LE(off);
  let s = cgCache.get(k);
  if (s === undefined) {
    if (cgCache.size >= 4096) cgCache.clear();
    s = String(k);
    cgCache.set(k, s);
  }
  return s;
}

export function decodeEvent(b: Buffer): TcpstatesEvent {
  if (b.length < EVENT_SIZE) throw new ProbeLoadError(`tcpstates: event of ${b.length} bytes, expected ${EVENT_SIZE}`, 'read');
  const tsHi = b.readUInt32LE(4);
  const tsLo = b.readUInt32LE(0);
  let tsNs: string;
  let epochMs: number;
  if (tsHi < 0x200000) {
    const ts = tsHi * TWO32 + tsLo;
    tsNs = String(ts);
    epochMs = monoOffsetMs() + ts / 1e6;
  } else {
    const ts = b.readBigUInt64LE(0);
    tsNs = ts.toString();
    epochMs = monoOffsetMs() + Number(ts) / 1e6;
  }
  const ms = Math.floor(epochMs);
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  const skHi = b.readUInt32LE(12);
  const skLo = b.readUInt32LE(8).toString(16);
  const af = b.readUInt16LE(56);
  const family: 4 | 6 = af === AF_INET6 ? 6 : 4;
  const x = SK_EVENT_HEAD_SIZE;
  const known = b[x + 10] === 1;
  let ms2: number | null = null;
  if (known) {
    const dHi = b.readUInt32LE(x + 4);
    const d = dHi < 0x200000 ? dHi * TWO32 + b.readUInt32LE(x) : Number(b.readBigUInt64LE(x));
    ms2 = Math.round(d / 1000) / 1000;
  }
  return {
    time: lastIso,
    tsNs,
    skaddr: skHi === 0 ? '0x' + skLo : '0x' + skHi.toString(16) + skLo.padStart(8, '0'),
    pid: b.readUInt32LE(16),
    tid: b.readUInt32LE(20),
    uid: b.readUInt32LE(24),
    netns: b.readUInt32LE(28),
    cgroup: cgroupOf(b, 32),
    comm: commOf(b, 40),
    family,
    lport: b.readUInt16LE(58),
    rport: b.readUInt16LE(60),
    laddr: family === 4 ? v4Of(b, 64) : formatAddr(6, b.subarray(64, 80)),
    raddr: family === 4 ? v4Of(b, 80) : formatAddr(6, b.subarray(80, 96)),
    oldstate: tcpStateName(b[x + 8]!),
    newstate: tcpStateName(b[x + 9]!),
    ms: ms2,
  };
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
export function decodeTransitions(perCpu: MapDump): Transition[] {
  const dump = sumPerCpu(perCpu);
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
export function decodeDwell(perCpu: MapDump): StateDwell[] {
  const dump = sumPerCpu(perCpu);
  checkMapSizes('tcpstates', 'dwell', dump, 4, DWELL_SIZE);
  const rows: Array<{ n: number; d: StateDwell }> = [];
  for (const { key, value: v } of mapEntries(dump)) {
    const n = key.readUInt32LE(0);
    const slots = readU64Array(v, 0, MAX_SLOTS);
    // the kernel leaves `cnt` at 0 (one atomic less per event): the count is the slots' sum
    if (slots.every((c) => c === 0n)) continue;
    rows.push({ n, d: { state: tcpStateName(n), hist: log2Histogram(slots, { unit: 'usecs', sum: v.readBigUInt64LE(8 * MAX_SLOTS) }) } });
  }
  return rows.sort((a, b) => a.n - b.n).map((r) => r.d);
}
