#!/usr/bin/env node
// Soak: N real tcprtt jobs in a row through the real HTTP server (default 1000), mixing deadline
// (short durationMs), early stop (DELETE once running) and invalid requests (400), with as many
// lanes as the running-jobs limit so the server sits at its limit (and some extra POSTs meet 429).
// Prints the server's RSS and open fds at the start (after a warm-up) and at the end, and the BPF
// programs, links and maps on the host before and after (bpftool); exits 1 on any leak or error.
// Bounded: N jobs, SOAK_MAX_MS overall (default 15 min), every wait bounded.
// Usage: sudo node test/bench/soak.mjs [jobs]   (SOAK_JSON=1 prints one JSON summary line at the end)
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { postJob, rssMb, sleep, startSonde, stopSonde } from './lib.mjs';
const JOBS = Number(process.argv[2] ?? process.env.SOAK_JOBS ?? 1000);
const LIMIT = Number(process.env.SOAK_LIMIT ?? 4);
const MAX_MS = Number(process.env.SOAK_MAX_MS ?? 15 * 60_000);
// jobs run before `start` is measured: the pool's threads and their heaps warm up (SOAK_WARMUP overrides)
const WARMUP = Number(process.env.SOAK_WARMUP ?? Math.min(JOBS, Math.max(2 * LIMIT, Math.round(JOBS * 0.05))));
const PREFIXES = ['tcprtt_', 'sonde'];

const started = Date.now();
const overTime = () => Date.now() - started > MAX_MS;

const fds = (pid) => readdirSync(`/proc/${pid}/fd`).length;
function bpf(kind) {
  const list = JSON.parse(execFileSync('bpftool', [kind, 'show', '--json'], { encoding: 'utf8' }) || '[]');
  return { total: list.length, ours: list.filter((x) => PREFIXES.some((p) => (x.name ?? '').startsWith(p))).length };
}
const kernel = () => ({ prog: bpf('prog'), link: bpf('link'), map: bpf('map') });

// The old generation is capped so the collector runs before V8 grows the heap: RSS then follows what the
// server keeps, not the garbage it has not collected yet — a leak exhausts the cap and fails the soak.
// (Uncapped, 200 jobs grow RSS by 40-57 MB of collectable garbage on the development machine.)
const SOAK_HEAP_MB = Number(process.env.SOAK_HEAP_MB ?? 96);
const startServer = () =>
  startSonde({
    env: {
      SONDE_MAX_JOBS: String(LIMIT),
      SONDE_RATE_LIMIT: '0',
      SONDE_AUDIT_FILE: 'off',
      ...(SOAK_HEAP_MB > 0 ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${SOAK_HEAP_MB}`.trim() } : {}),
    },
    tmpPrefix: 'sonde-soak-',
  });

const post = postJob;

async function waitStatus(url, id, statuses, ms = 20_000) {
  const until = Date.now() + ms;
  for (;;) {
    const j = await (await fetch(`${url}/v1/jobs/${id}`)).json();
    if (statuses.includes(j.status)) return j;
    if (Date.now() > until) throw new Error(`job ${id} stuck in ${j.status}`);
    await sleep(15);
  }
}

const counts = { deadline: 0, stopped: 0, invalid: 0, rejected429: 0, errors: 0 };
const errors = [];

/** one job of kind by index: 20% invalid, 30% early stop, 50% deadline */
async function oneJob(url, i) {
  const kind = i % 10 < 2 ? 'invalid' : i % 10 < 5 ? 'stop' : 'deadline';
  if (kind === 'invalid') {
    const bad = [
      { probe: 'tcprtt', params: { rport: 70000 } },
      { probe: 'tcprtt', params: { laddr: '10.0.0.0/33' } },
      { probe: 'nope' },
      { probe: 'tcprtt', durationMs: 5 },
    ][i % 4];
    const r = await post(url, bad);
    await r.body?.cancel();
    if (r.status >= 400 && r.status < 500) counts.invalid++;
    else throw new Error(`invalid job answered ${r.status}`);
    return;
  }
  for (let attempt = 0; attempt < 200; attempt++) {
    const body = kind === 'stop' ? { probe: 'tcprtt', durationMs: 60_000 } : { probe: 'tcprtt', durationMs: 100 + (i % 5) * 50 };
    const r = await post(url, body);
    if (r.status === 429) {
      counts.rejected429++;
      await r.body?.cancel();
      await sleep(10);
      continue;
    }
    if (r.status !== 202) throw new Error(`POST answered ${r.status}: ${await r.text()}`);
    const job = await r.json();
    if (kind === 'stop') {
      await waitStatus(url, job.id, ['running', 'succeeded', 'failed']);
      const d = await fetch(`${url}/v1/jobs/${job.id}`, { method: 'DELETE' });
      await d.body?.cancel();
      const done = await waitStatus(url, job.id, ['stopped', 'failed']);
      if (done.status !== 'stopped') throw new Error(`job ${job.id} ${done.status}: ${JSON.stringify(done.error)}`);
      counts.stopped++;
    } else {
      const done = await waitStatus(url, job.id, ['succeeded', 'failed', 'stopped']);
      if (done.status !== 'succeeded') throw new Error(`job ${job.id} ${done.status}: ${JSON.stringify(done.error)}`);
      counts.deadline++;
    }
    return;
  }
  throw new Error('still 429 after 200 attempts');
}

const rssTrail = [];

async function runJobs(url, from, to, pid) {
  let next = from;
  const every = Math.max(1, Math.round((to - from) / 10));
  // one more lane than the limit: the server stays at its limit and the extra lane meets 429s
  const lanes = Array.from({ length: LIMIT + 1 }, async () => {
    while (next < to && !overTime()) {
      const i = next++;
      if (pid && (i - from) % every === 0) rssTrail.push(Math.round(rssMb(pid)));
      try {
        await oneJob(url, i);
      } catch (err) {
        counts.errors++;
        if (errors.length < 10) errors.push(`job #${i}: ${err.message}`);
      }
    }
  });
  await Promise.all(lanes);
}

async function settle(url) {
  for (let i = 0; i < 400; i++) {
    const h = await (await fetch(`${url}/healthz`)).json();
    if (h.running === 0) return;
    await sleep(25);
  }
}

async function leftInKernel(before, ms = 3000) {
  const until = Date.now() + ms;
  for (;;) {
    const k = kernel();
    const clean = ['prog', 'link', 'map'].every((x) => k[x].total <= before[x].total && k[x].ours <= before[x].ours);
    if (clean || Date.now() > until) return k;
    await sleep(50);
  }
}

const before = kernel();
const s = await startServer();
const cold = { rssMb: rssMb(s.proc.pid), fds: fds(s.proc.pid) };
await runJobs(s.url, 0, WARMUP);
await settle(s.url);
await sleep(200);
const start = { rssMb: rssMb(s.proc.pid), fds: fds(s.proc.pid) };
const t0 = Date.now();
await runJobs(s.url, WARMUP, JOBS, s.proc.pid);
await settle(s.url);
await sleep(500);
global.gc?.();
const end = { rssMb: rssMb(s.proc.pid), fds: fds(s.proc.pid) };
const during = kernel();
const listed = await (await fetch(`${s.url}/v1/jobs?limit=1`)).json();
const code = await stopSonde(s);
const after = await leftInKernel(before);

const ran = counts.deadline + counts.stopped + counts.invalid;
const leaks = ['prog', 'link', 'map'].filter((k) => after[k].total > before[k].total || after[k].ours > before[k].ours);
const f = (x) => x.toFixed(1);
console.log(`sonde soak: ${ran} jobs (${counts.deadline} deadline, ${counts.stopped} stopped, ${counts.invalid} invalid), ` +
  `${counts.rejected429} POSTs met the limit (429), ${counts.errors} errors, limit ${LIMIT}, ${((Date.now() - t0) / 1000).toFixed(1)} s after warm-up`);
console.log(`server    rss cold ${f(cold.rssMb)} MB  start ${f(start.rssMb)} MB  end ${f(end.rssMb)} MB  (${f(end.rssMb - start.rssMb)} MB)`);
console.log(`          rss every 10% of the jobs: ${rssTrail.join(' ')} MB`);
console.log(`          fds cold ${cold.fds}  start ${start.fds}  end ${end.fds}`);
for (const k of ['prog', 'link', 'map']) {
  console.log(`kernel    ${k.padEnd(4)} before ${before[k].total} (ours ${before[k].ours})  idle server ${during[k].total} (ours ${during[k].ours})  after ${after[k].total} (ours ${after[k].ours})`);
}
if (errors.length) console.log(`errors:\n  ${errors.join('\n  ')}`);
console.log(`shutdown exit ${code}; newest job ${listed.jobs?.[0]?.id ?? '?'}`);
const summary = { jobs: ran, ...counts, cold, start, end, rssTrail, before, during, after, leaks, exit: code };
if (process.env.SOAK_JSON === '1') console.log(`SOAK_JSON ${JSON.stringify(summary)}`);
const ok = counts.errors === 0 && leaks.length === 0 && ran >= JOBS && code === 0 && during.prog.ours === 0;
process.exit(ok ? 0 : 1);
