#!/usr/bin/env node
// Bench of the job path: POST /v1/jobs → "attached" (p50/p95, cold and warm pool), DELETE → ended (the
// stop latency, with the partial result saved; goal < 200 ms — a benchmark, not a test, since a slow
// kernel such as a TCG guest is many times slower) and the server's RSS
// idle and with 8 running jobs. Baselines measured in the same run: `bpftool prog loadall` of the same
// object (the kernel's own load+verify cost, no sonde) and a bare Node process's RSS.
// Bounded: a fixed number of short jobs, each stopped at once.
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { postJob, root, rssMb, sleep, startSonde, stopSonde } from './lib.mjs';
const WARM_JOBS = Number(process.env.BENCH_WARM_JOBS ?? 60);
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 6);

const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** POST a job, return ms from just before the POST to the server's attachedAt, then stop it (stops[] gets DELETE → endedAt). */
const stops = [];
async function oneJob(url) {
  const t0 = Date.now();
  const res = await postJob(url, { probe: 'tcprtt', durationMs: 60000, params: { rport: 443 } });
  if (res.status !== 202) throw new Error(`POST ${res.status}: ${await res.text()}`);
  const { id } = await res.json();
  let job;
  for (let i = 0; i < 2000; i++) {
    job = await (await fetch(`${url}/v1/jobs/${id}`)).json();
    if (job.attachedAt || ['failed', 'stopped', 'succeeded'].includes(job.status)) break;
    await sleep(2);
  }
  if (!job.attachedAt) throw new Error(`job never attached: ${JSON.stringify(job)}`);
  const tStop = Date.now();
  await fetch(`${url}/v1/jobs/${id}`, { method: 'DELETE' });
  for (let i = 0; i < 500; i++) {
    job = await (await fetch(`${url}/v1/jobs/${id}`)).json();
    if (job.status !== 'running' && job.status !== 'queued') break;
    await sleep(5);
  }
  if (job.endedAt) stops.push(Date.parse(job.endedAt) - tStop);
  return Date.parse(job.attachedAt) - t0;
}

function bpftoolBaseline(n = 10) {
  const obj = join(root, 'packages/probes-tcprtt/dist/tcprtt.bpf.o');
  try {
    execFileSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf'], { stdio: 'ignore' });
  } catch {}
  const times = [];
  for (let i = 0; i < n; i++) {
    const pin = `/sys/fs/bpf/sonde_bench_${process.pid}_${i}`;
    const t0 = process.hrtime.bigint();
    execFileSync('bpftool', ['prog', 'loadall', obj, pin], { stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    rmSync(pin, { recursive: true, force: true });
  }
  return times;
}

async function bareNodeRss() {
  const p = spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], { stdio: 'ignore' });
  await sleep(500);
  const r = rssMb(p.pid);
  p.kill();
  return r;
}

// the server's output is not shown: it would interleave with the bench's
const startServer = () => startSonde({ env: { SONDE_MAX_JOBS: '8' }, stdio: 'ignore' });

const fmt = (x) => x.toFixed(1);
const baseline = bpftoolBaseline();
const baseP50 = pct(baseline, 0.5);

// cold: a fresh server each time, its first job
const cold = [];
for (let i = 0; i < COLD_STARTS; i++) {
  const s = await startServer();
  cold.push(await oneJob(s.url));
  await stopSonde(s);
}

const s = await startServer();
await sleep(500);
const rssIdle = rssMb(s.proc.pid);
for (let i = 0; i < 5; i++) await oneJob(s.url); // warm up every path once
const warm = [];
for (let i = 0; i < WARM_JOBS; i++) warm.push(await oneJob(s.url));

const ids = [];
for (let i = 0; i < 8; i++) {
  const r = await postJob(s.url, { probe: 'tcprtt', durationMs: 60000, params: {} });
  ids.push((await r.json()).id);
}
await sleep(1500);
const rss8 = rssMb(s.proc.pid);
for (const id of ids) await fetch(`${s.url}/v1/jobs/${id}`, { method: 'DELETE' });
await sleep(500);
await stopSonde(s);
const bare = await bareNodeRss();

console.log('sonde job-path bench (tcprtt, one host)');
console.log(`baseline  bpftool prog loadall tcprtt.bpf.o  p50 ${fmt(baseP50)} ms  p95 ${fmt(pct(baseline, 0.95))} ms  (n=${baseline.length})`);
console.log(`cold      POST→attached  p50 ${fmt(pct(cold, 0.5))} ms  p95 ${fmt(pct(cold, 0.95))} ms  (n=${cold.length}, fresh server each)  ${fmt(pct(cold, 0.5) / baseP50)}x baseline`);
console.log(`warm      POST→attached  p50 ${fmt(pct(warm, 0.5))} ms  p95 ${fmt(pct(warm, 0.95))} ms  (n=${warm.length})  ${fmt(pct(warm, 0.5) / baseP50)}x baseline  goal p50 < 30 ms`);
console.log(`stop      DELETE→ended   p50 ${fmt(pct(stops, 0.5))} ms  p95 ${fmt(pct(stops, 0.95))} ms  (n=${stops.length}, partial result saved)  goal < 200 ms`);
console.log(`rss       idle ${fmt(rssIdle)} MB  with 8 running jobs ${fmt(rss8)} MB  bare node ${fmt(bare)} MB  (${fmt(rssIdle / bare)}x bare; goal idle < 120 MB)`);
