#!/usr/bin/env node
// Load: autocannon against the real control plane — GET /v1/probes, GET /v1/jobs/{id} (a finished
// tcprtt job), the same read with a bearer token checked, and POST /v1/jobs while at the running-jobs
// limit (every answer must be 429) — beside a bare node:http hello server measured in the same run.
// Prints req/s and p99 per target and the ratio to the bare server (goal ≥ 0.8× on the read routes).
// Two more bare rows serve the very bytes of GET /v1/probes (~30 KB) and of the job (~2 KB): what the
// body size alone costs (the load generator shares the host and parses every byte), printed as a
// same-bytes ratio beside the hello one.
// One more row reads the catalogue as fetch clients and browsers do, with Accept-Encoding: gzip.
// Bounded: LOAD_SECONDS per target (default 5), LOAD_CONNECTIONS connections (default 10).
// The per-token rate limit is turned off (SONDE_RATE_LIMIT=0): this measures the HTTP path, not the limiter.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort, postJob, sleep, startSonde, stopSonde, waitUp } from './lib.mjs';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 10);
const TOKEN = 'load-bench-token-0123456789abcdef';
/** what fetch clients and browsers send: the catalogue then comes precompressed */
const GZIP = { 'accept-encoding': 'gzip' };

/** a bare node:http server answering every request with `bodyFile`'s bytes, or {"hello":"world"} */
async function bare(bodyFile) {
  const port = await freePort();
  const body = bodyFile ? `require('node:fs').readFileSync(${JSON.stringify(bodyFile)})` : `'{"hello":"world"}'`;
  const src = `const b = ${body}; require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'application/json' }); s.end(b); }).listen(${port}, '127.0.0.1')`;
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
const bodies = mkdtempSync(join(tmpdir(), 'sonde-load-'));
/** `url`'s answer saved to a file under `bodies`, for a bare server to repeat */
async function saveBody(url, name) {
  const file = join(bodies, name);
  writeFileSync(file, Buffer.from(await (await fetch(url)).arrayBuffer()));
  return file;
}
let bc, bj;
try {
  // a finished job to read, and a long one holding the single slot so every POST meets the limit
  const post = (url, body, headers = {}) => postJob(url, body, headers).then((r) => r.json());
  const done = await post(s.url, { probe: 'tcprtt', durationMs: 200 });
  await waitStatus(s.url, done.id, ['succeeded']);
  const doneG = await post(g.url, { probe: 'tcprtt', durationMs: 200 }, auth);
  await waitStatus(g.url, doneG.id, ['succeeded'], auth);
  const hold = await post(s.url, { probe: 'tcprtt', durationMs: 120_000 });
  await waitStatus(s.url, hold.id, ['running']);
  const catalogueFile = await saveBody(`${s.url}/v1/probes`, 'probes.json');
  const jobFile = await saveBody(`${s.url}/v1/jobs/${done.id}`, 'job.json');
  const gzipBytes = (await fetch(`${s.url}/v1/probes`, { headers: GZIP })).headers.get('content-length');
  bc = await bare(catalogueFile);
  bj = await bare(jobFile);

  const bareRes = row('bare node:http hello', await cannon({ url: b.url }));
  const bareCat = row('bare node:http, catalogue bytes', await cannon({ url: bc.url }));
  const probes = row('GET /v1/probes', await cannon({ url: `${s.url}/v1/probes` }));
  row('GET /v1/probes, gzip', await cannon({ url: `${s.url}/v1/probes`, headers: GZIP }));
  const bareJob = row('bare node:http, job bytes', await cannon({ url: bj.url }));
  const job = row('GET /v1/jobs/{id}', await cannon({ url: `${s.url}/v1/jobs/${done.id}` }));
  row('GET /v1/jobs/{id} + bearer', await cannon({ url: `${g.url}/v1/jobs/${doneG.id}`, headers: auth }));
  row('GET /healthz', await cannon({ url: `${s.url}/healthz` }));
  row(
    'POST /v1/jobs at limit',
    await cannon({ url: `${s.url}/v1/jobs`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ probe: 'tcprtt', durationMs: 1000 }) }),
    '429',
  );
  await fetch(`${s.url}/v1/jobs/${hold.id}`, { method: 'DELETE' });

  console.log(`sonde load bench: autocannon, ${CONNECTIONS} connections, ${SECONDS} s per target, one host`);
  console.log(`${'target'.padEnd(32)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'vs bare'.padStart(8)}  answers`);
  for (const r of rows) {
    const ratio = (r.rps / bareRes.rps).toFixed(2);
    const answers = r.name.startsWith('POST') ? `${r.good} × 429, ${r.unexpected} other` : `${r.good} ok, ${r.unexpected} other`;
    console.log(`${r.name.padEnd(32)} ${r.rps.toFixed(0).padStart(9)} ${String(r.p50).padStart(7)} ${String(r.p99).padStart(7)} ${(ratio + 'x').padStart(8)}  ${answers}${r.errors ? `, ${r.errors} errors` : ''}`);
  }
  const reads = rows.filter((r) => r.name.startsWith('GET /v1'));
  const worst = Math.min(...reads.map((r) => r.rps / bareRes.rps));
  console.log(`read routes: worst ${worst.toFixed(2)}x bare (goal >= 0.8x)`);
  console.log(`same bytes: GET /v1/probes ${(probes.rps / bareCat.rps).toFixed(2)}x bare (${statSync(catalogueFile).size} B; gzip ${gzipBytes} B), GET /v1/jobs/{id} ${(job.rps / bareJob.rps).toFixed(2)}x bare (${statSync(jobFile).size} B)`);
  const bad = rows.filter((r) => r.unexpected > 0 || r.errors > 0);
  if (process.env.LOAD_JSON === '1') console.log(`LOAD_JSON ${JSON.stringify({ rows, worst })}`);
  process.exitCode = bad.length ? 1 : 0;
} finally {
  await Promise.all([b, bc, bj, s, g].filter(Boolean).map(stopSonde));
  rmSync(bodies, { recursive: true, force: true });
}
