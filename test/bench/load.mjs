#!/usr/bin/env node
// Load: autocannon against the real control plane — GET /v1/probes, GET /v1/jobs/{id} (a finished
// tcprtt job), the same read with a bearer token checked, and POST /v1/jobs while at the running-jobs
// limit (every answer must be 429) — beside a bare node:http hello server measured in the same run.
// Prints req/s and p99 per target and the ratio to the bare server (goal ≥ 0.8× on the read routes).
// Bounded: LOAD_SECONDS per target (default 5), LOAD_CONNECTIONS connections (default 10).
// The per-token rate limit is turned off (SONDE_RATE_LIMIT=0): this measures the HTTP path, not the limiter.
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { freePort, postJob, sleep, startSonde, stopSonde, waitUp } from './lib.mjs';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 10);
const TOKEN = 'load-bench-token-0123456789abcdef';

async function bare() {
  const port = await freePort();
  const src = `require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'application/json' }); s.end('{"hello":"world"}'); }).listen(${port}, '127.0.0.1')`;
  const proc = spawn(process.execPath, ['-e', src], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitUp(url, proc);
  return { url, proc };
}

const sonde = (env = {}) => startSonde({ env: { SONDE_MAX_JOBS: '1', SONDE_RATE_LIMIT: '0', SONDE_AUDIT_FILE: 'off', ...env }, tmpPrefix: 'sonde-load-' });

async function waitStatus(url, id, statuses, headers = {}) {
  for (let i = 0; i < 800; i++) {
    const j = await (await fetch(`${url}/v1/jobs/${id}`, { headers })).json();
    if (statuses.includes(j.status)) return j;
    await sleep(25);
  }
  throw new Error(`job ${id} did not reach ${statuses}`);
}

function cannon(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

const rows = [];
function row(name, res, expect = '2xx') {
  const codes = Object.fromEntries(Object.entries(res.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]));
  const total = Object.values(codes).reduce((a, b) => a + b, 0);
  const good = expect === '2xx' ? res['2xx'] : (codes[expect] ?? 0);
  const r = { name, rps: res.requests.average, p99: res.latency.p99, p50: res.latency.p50, total, good, unexpected: total - good, errors: res.errors + res.timeouts };
  rows.push(r);
  return r;
}

const b = await bare();
const s = await sonde();
const g = await sonde({ SONDE_TOKENS: `bench:operator:${TOKEN}` });
const auth = { authorization: `Bearer ${TOKEN}` };
try {
  // a finished job to read, and a long one holding the single slot so every POST meets the limit
  const post = (url, body, headers = {}) => postJob(url, body, headers).then((r) => r.json());
  const done = await post(s.url, { probe: 'tcprtt', durationMs: 200 });
  await waitStatus(s.url, done.id, ['succeeded']);
  const doneG = await post(g.url, { probe: 'tcprtt', durationMs: 200 }, auth);
  await waitStatus(g.url, doneG.id, ['succeeded'], auth);
  const hold = await post(s.url, { probe: 'tcprtt', durationMs: 120_000 });
  await waitStatus(s.url, hold.id, ['running']);

  const bareRes = row('bare node:http hello', await cannon({ url: b.url }));
  row('GET /v1/probes', await cannon({ url: `${s.url}/v1/probes` }));
  row('GET /v1/jobs/{id}', await cannon({ url: `${s.url}/v1/jobs/${done.id}` }));
  row('GET /v1/jobs/{id} + bearer', await cannon({ url: `${g.url}/v1/jobs/${doneG.id}`, headers: auth }));
  row('GET /healthz', await cannon({ url: `${s.url}/healthz` }));
  row(
    'POST /v1/jobs at limit',
    await cannon({ url: `${s.url}/v1/jobs`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ probe: 'tcprtt', durationMs: 1000 }) }),
    '429',
  );
  await fetch(`${s.url}/v1/jobs/${hold.id}`, { method: 'DELETE' });

  console.log(`sonde load bench: autocannon, ${CONNECTIONS} connections, ${SECONDS} s per target, one host`);
  console.log(`${'target'.padEnd(30)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'vs bare'.padStart(8)}  answers`);
  for (const r of rows) {
    const ratio = (r.rps / bareRes.rps).toFixed(2);
    const answers = r.name.startsWith('POST') ? `${r.good} × 429, ${r.unexpected} other` : `${r.good} ok, ${r.unexpected} other`;
    console.log(`${r.name.padEnd(30)} ${r.rps.toFixed(0).padStart(9)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(7)} ${(ratio + 'x').padStart(8)}  ${answers}${r.errors ? `, ${r.errors} errors` : ''}`);
  }
  const reads = rows.filter((r) => r.name.startsWith('GET /v1'));
  const worst = Math.min(...reads.map((r) => r.rps / bareRes.rps));
  console.log(`read routes: worst ${worst.toFixed(2)}x bare (goal >= 0.8x)`);
  const bad = rows.filter((r) => r.unexpected > 0 || r.errors > 0);
  if (process.env.LOAD_JSON === '1') console.log(`LOAD_JSON ${JSON.stringify({ rows, worst })}`);
  process.exitCode = bad.length ? 1 : 0;
} finally {
  await Promise.all([stopSonde(b), stopSonde(s), stopSonde(g)]);
}
