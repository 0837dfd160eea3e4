/**
 * What bpf/tcpstates.h's records mean: ring-buffer records (struct tcpstates_event) and the two per-CPU
 * summary maps (`dwell`: state -> struct tcpstates_dwell; `transitions`: old*13+new -> u64), summed over
 * the CPUs here. Layouts: layout.gen.ts.
 */
import { AF_INET6, checkMapSizes, decodeScalar, formatAddr, log2Histogram, mapEntries, sideSize, sumPerCpu, tcpStateName, type Histogram, type MapDump, type SkEventHead } from '@sonde/probe-sdk';
import { maps, tcpstates_dwell, tcpstates_event } from './layout.gen.js';

/** state numbers 0..12: the dwell map has one entry per state, the transitions map one per (old, new) */
export const NSTATES = maps.dwell.maxEntries;

export interface TcpstatesEvent extends SkEventHead {
  oldstate: string;
  newstate: string;
  /** ms spent in oldstate (3 decimals); null when its start was not seen (socket older than the job) */
  ms: number | null;
}

/*
 * The decoder is on the hot path (one call per state change, ~100k/s under connection churn), so it
 * produces exactly what skEventHead + the tcpstates fields would, without the per-event costs of the
 * generic one: the monotonic-to-epoch offset sampled once per 1024 events or 100 ms, the ISO time
 * string reused within a millisecond, and IPv4 addresses and cgroup ids cached.
 */
let offsetMs = 0;
let offsetAt = -Infinity;
let offsetUses = 0;
let lastMs = NaN;
let lastIso = '';
const v4Cache = new Map<number, string>();
const cgCache = new Map<bigint, string>();

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

/** an IPv4 address (the first 4 of its 16 network-order bytes), cached by its value */
function v4Of(a: Buffer): string {
  const k = ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0;
  let s = v4Cache.get(k);
  if (s === undefined) {
    if (v4Cache.size >= 4096) v4Cache.clear();
    s = formatAddr(4, a);
    v4Cache.set(k, s);
  }
  return s;
}

function cgroupOf(id: bigint): string {
  let s = cgCache.get(id);
  if (s === undefined) {
    if (cgCache.size >= 4096) cgCache.clear();
    s = id.toString();
    cgCache.set(id, s);
  }
  return s;
}

export function decodeEvent(b: Buffer): TcpstatesEvent {
  const e = tcpstates_event.decode(b);
  const h = e.h;
  const t = h.t;
  const ts = Number(h.ts_ns);
  const ms = Math.floor(monoOffsetMs() + ts / 1e6);
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  const family: 4 | 6 = t.family === AF_INET6 ? 6 : 4;
  return {
    time: lastIso,
    tsNs: ts <= Number.MAX_SAFE_INTEGER ? String(ts) : h.ts_ns.toString(),
    skaddr: '0x' + h.skaddr.toString(16),
    pid: h.pid,
    tid: h.tid,
    uid: h.uid,
    netns: h.netns,
    cgroup: cgroupOf(h.cgroup),
    comm: h.comm,
    family,
    lport: t.lport,
    rport: t.rport,
    laddr: family === 4 ? v4Of(t.laddr) : formatAddr(6, t.laddr),
    raddr: family === 4 ? v4Of(t.raddr) : formatAddr(6, t.raddr),
    oldstate: tcpStateName(e.oldstate),
    newstate: tcpStateName(e.newstate),
    ms: e.known === 1 ? Math.round(e.delta_ns / 1000) / 1000 : null,
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
  const { key: k, value: v } = maps.transitions;
  const dump = sumPerCpu(perCpu);
  checkMapSizes('tcpstates', 'transitions', dump, sideSize(k), sideSize(v));
  const out: Transition[] = [];
  for (const { key, value } of mapEntries(dump)) {
    const idx = decodeScalar(k, key);
    const count = decodeScalar(v, value);
    if (count > 0) out.push({ from: tcpStateName(Math.floor(idx / NSTATES)), to: tcpStateName(idx % NSTATES), count });
  }
  return out.sort((a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** dwell histograms of the states that were left at least once, in state-number order */
export function decodeDwell(perCpu: MapDump): StateDwell[] {
  const k = maps.dwell.key;
  const dump = sumPerCpu(perCpu);
  checkMapSizes('tcpstates', 'dwell', dump, sideSize(k), tcpstates_dwell.size);
  const rows: Array<{ n: number; d: StateDwell }> = [];
  for (const { key, value } of mapEntries(dump)) {
    const n = decodeScalar(k, key);
    const v = tcpstates_dwell.decode(value);
    // the kernel leaves `cnt` at 0 (one atomic less per event): the count is the slots' sum
    if (v.slots.every((c) => c === 0)) continue;
    rows.push({ n, d: { state: tcpStateName(n), hist: log2Histogram(v.slots, { unit: 'usecs', sum: v.sum }) } });
  }
  return rows.sort((a, b) => a.n - b.n).map((r) => r.d);
}
