#!/usr/bin/env node
// tcpports vs ss: with 1 000, 10 000 and 30 000 established loopback connections (held by python
// children, 9 000 per child, see test/support/conns.mjs), in one run:
//   ss        `ss -tan state established | wc -l` wall time (process start, sock_diag dump, print, count)
//   pass      one tcpports iterator pass on a loaded object (kernel walk + reads), from a series job
//   job       a whole tcpports snapshot job: open, verify, load, attach, pass, close
// and checks that every per-state count equals `ss -tan`'s. Goal: pass >= 10x faster than ss at 30 000.
// Bounded: 3 sizes, a fixed number of runs each, every child closed at the end. Needs root, a build.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Catalog, runJobInline } from '../../packages/core-loader/dist/index.js';
import { holdConnections, ssTan } from '../support/conns.mjs';

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,30000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SS_NAMES = {
  ESTABLISHED: 'ESTAB', SYN_SENT: 'SYN-SENT', SYN_RECV: 'SYN-RECV', NEW_SYN_RECV: 'SYN-RECV', FIN_WAIT1: 'FIN-WAIT-1',
  FIN_WAIT2: 'FIN-WAIT-2', TIME_WAIT: 'TIME-WAIT', CLOSE: 'UNCONN', CLOSE_WAIT: 'CLOSE-WAIT', LAST_ACK: 'LAST-ACK',
  LISTEN: 'LISTEN', CLOSING: 'CLOSING',
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const fmt = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
const fmt2 = (xs) => `${fmt(median(xs))} (min ${fmt(Math.min(...xs))})`;
const asSs = (states) => {
  const out = {};
  for (const [k, n] of Object.entries(states)) out[SS_NAMES[k] ?? k] = (out[SS_NAMES[k] ?? k] ?? 0) + n;
  return out;
};
const same = (a, b) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

function timeSs() {
  const t0 = process.hrtime.bigint();
  const out = execFileSync('sh', ['-c', 'ss -tan state established | wc -l'], { encoding: 'utf8', timeout: 60_000 });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, established: Number(out.trim()) - 1 /* header */ };
}

if (process.getuid?.() !== 0) {
  console.error('bench:tcpports needs root (BPF)');
  process.exit(1);
}
const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
const catalog = await Catalog.discover();
console.log(`tcpports vs ss (ephemeral range ${lo}-${hi}, ${RUNS} runs each, medians)`);
console.log('conns    estab    walked   ss -tan state established|wc -l   tcpports pass            speedup   tcpports job   states equal');
let failed = false;
for (const k of SIZES) {
  const held = await holdConnections(k, 21000 + (process.pid % 4000));
  try {
    // interleaved, so both see the same load: a series job takes a pass every 20 ms while ss runs in
    // between (execFileSync blocks this thread, so passes land between ss runs, never during one)
    const ss = [];
    let ssDone;
    const series = await runJobInline('tcpports', { intervalMs: 20 }, {
      catalog,
      durationMs: 60_000,
      signal: (() => {
        const ac = new AbortController();
        ssDone = ac;
        return ac.signal;
      })(),
      onAttached: () => {
        (async () => {
          for (let i = 0; i < RUNS; i++) {
            await new Promise((r) => setTimeout(r, 30));
            ss.push(timeSs());
          }
          await new Promise((r) => setTimeout(r, 30));
          ssDone.abort();
        })();
      },
    });
    const passes = series.data.series.map((s) => s.tookMs);
    const jobs = [];
    let equal = false;
    for (let i = 0; i < RUNS; i++) {
      const before = ssTan(lo, hi);
      const t0 = process.hrtime.bigint();
      const r = await runJobInline('tcpports', {}, { catalog, durationMs: 5000 });
      jobs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const after = ssTan(lo, hi);
      if (same(before.states, after.states) && same(asSs(r.data.states), after.states)) equal = true;
    }
    const ssMs = median(ss.map((s) => s.ms));
    const passMs = median(passes);
    const estab = ss[ss.length - 1].established;
    if (!equal) failed = true;
    console.log(
      `${String(k).padEnd(8)} ${String(estab).padEnd(8)} ${String(series.data.sockets).padEnd(8)} ${fmt2(ss.map((s) => s.ms)).padEnd(32)} ${fmt2(passes).padEnd(24)} ${`${(ssMs / passMs).toFixed(1)}x`.padEnd(9)} ${fmt(median(jobs)).padEnd(14)} ${equal ? 'yes' : 'NO'}`,
    );
  } finally {
    await held.close();
  }
}
console.log('estab: established sockets ss counted (both ends of each connection, plus the host\'s own); walked: every TCP socket the pass visited');
console.log('pass: one iterator pass on a loaded object; job: a whole snapshot job incl. load and verify');
console.log(`load average while measuring: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${execFileSync('nproc', { encoding: 'utf8' }).trim()} CPUs`);
process.exit(failed ? 1 : 0);
