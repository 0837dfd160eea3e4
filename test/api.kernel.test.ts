/**
 * The README's path, for real: the built server as a child process, a tcprtt job over HTTP with
 * traffic on a port the test chose, early stop, problem+json errors, and crash recovery.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel, programsLeft } from './support/kernel.js';
import { json, postJson, startServer, startServerAndEcho, stopServerAndEcho, waitJob, type Server } from './support/server.js';
import { pingPong, type EchoServer } from './support/traffic.js';

const post = (url: string, body: unknown) => postJson(url, body);

describeKernel('control plane over HTTP with real jobs', () => {
  let server: Server;
  let echo: EchoServer;

  beforeAll(async () => ({ server, echo } = await startServerAndEcho()));
  afterAll(() => stopServerAndEcho(server, echo));

  it('lists tcprtt as available with its params schema', async () => {
    const { probes } = await json(await fetch(`${server.url}/v1/probes`));
    const rtt = probes.find((p: { name: string }) => p.name === 'tcprtt');
    expect(rtt).toMatchObject({ available: true, output: 'histogram', variant: 'tp_btf' });
    expect(Object.keys(rtt.paramsSchema.properties)).toEqual(expect.arrayContaining(['lport', 'rport', 'laddr', 'raddr']));
  });

  it('runs a tcprtt job from POST to a histogram', async () => {
    const res = await post(server.url, { probe: 'tcprtt', durationMs: 1500, params: { rport: echo.port } });
    expect(res.status).toBe(202);
    const job = await json(res);
    expect(res.headers.get('location')).toBe(`/v1/jobs/${job.id}`);
    await waitJob(server.url, job.id, ['running']);
    const traffic = await pingPong(echo.port, { conns: 2, maxMs: 800 });
    await traffic.stop();
    const done = await waitJob(server.url, job.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.result.stoppedBy).toBe('deadline');
    expect(done.result.data.total.count).toBeGreaterThanOrEqual(traffic.rounds);
    const text = await (await fetch(`${server.url}/v1/jobs/${job.id}?format=text`)).text();
    expect(text).toMatch(/usecs\s+: count\s+distribution/);
    expect(await programsLeft()).toEqual([]);
  });

  it('stops a job early and keeps the partial result', async () => {
    const job = await json(await post(server.url, { probe: 'tcprtt', durationMs: 60_000, params: {} }));
    await waitJob(server.url, job.id, ['running']);
    const del = await fetch(`${server.url}/v1/jobs/${job.id}`, { method: 'DELETE' });
    expect(del.status).toBe(202);
    const done = await waitJob(server.url, job.id, ['stopped'], 5000);
    expect(done.result.stoppedBy).toBe('cancel');
    expect(done.result.data).not.toBeNull();
    expect(await programsLeft()).toEqual([]);
  });

  it('answers bad input with problem+json', async () => {
    const bad = await post(server.url, { probe: 'tcprtt', params: { rport: 70000 } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(await json(bad))).toMatch(/params\.rport/);
    const unknown = await post(server.url, { probe: 'nope' });
    expect(unknown.status).toBe(404);
  });

  it('comes back after kill -9 with finished results intact and running jobs interrupted', async () => {
    const finished = await json(await post(server.url, { probe: 'tcprtt', durationMs: 300, params: {} }));
    const fin = await waitJob(server.url, finished.id, ['succeeded']);
    const running = await json(await post(server.url, { probe: 'tcprtt', durationMs: 60_000, params: {} }));
    await waitJob(server.url, running.id, ['running']);
    await server.stop('SIGKILL');
    // the kernel frees a dead process's programs with its file descriptors
    expect(await programsLeft(3000)).toEqual([]);
    server = await startServer({ dataDir: server.dataDir });
    const again = await json(await fetch(`${server.url}/v1/jobs/${finished.id}`));
    expect(again.status).toBe('succeeded');
    expect(again.result).toEqual(fin.result);
    const interrupted = await json(await fetch(`${server.url}/v1/jobs/${running.id}`));
    expect(interrupted.status).toBe('interrupted');
    // the SQLite file is sound (read through a second connection while the server holds it)
    const db = new Database(join(server.dataDir, 'sonde.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    // and the new process serves jobs again
    const next = await json(await post(server.url, { probe: 'tcprtt', durationMs: 200, params: {} }));
    expect((await waitJob(server.url, next.id, ['succeeded', 'failed'])).status).toBe('succeeded');
  });

  it('SIGTERM stops running jobs, saves their partial results and exits 0', async () => {
    const a = await json(await post(server.url, { probe: 'tcprtt', durationMs: 60_000, params: {} }));
    const b = await json(await post(server.url, { probe: 'tcprtt', durationMs: 60_000, params: { rport: echo.port } }));
    await waitJob(server.url, a.id, ['running']);
    await waitJob(server.url, b.id, ['running']);
    const traffic = await pingPong(echo.port, { conns: 1, maxMs: 300 });
    await traffic.stop();
    const t0 = Date.now();
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(server.log()).toMatch(/SIGTERM: stopping jobs/);
    expect(await programsLeft()).toEqual([]);
    server = await startServer({ dataDir: server.dataDir });
    for (const id of [a.id, b.id]) {
      const j = await json(await fetch(`${server.url}/v1/jobs/${id}`));
      expect(j.status).toBe('stopped');
      expect(j.result.stoppedBy).toBe('cancel');
      expect(j.result.data).not.toBeNull();
    }
    const withTraffic = await json(await fetch(`${server.url}/v1/jobs/${b.id}`));
    expect(withTraffic.result.data.total.count).toBeGreaterThan(0);
    // every start went to the audit log, with who and the params
    const audit = readFileSync(join(server.dataDir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((l) => l.audit === 'job.start').map((l) => l.job)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(audit.find((l) => l.job === b.id)).toMatchObject({ who: 'anonymous', probe: 'tcprtt', params: { rport: [echo.port] } });
  });

  it('refuses to listen beyond loopback without tokens; with tokens, roles hold over HTTP', async () => {
    const main = new URL('../packages/control-api/dist/main.js', import.meta.url).pathname;
    const refused = spawnSync(process.execPath, [main], {
      env: { ...process.env, SONDE_HOST: '0.0.0.0', SONDE_PORT: '1', SONDE_TOKENS: '', SONDE_CONFIG: '' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/not loopback and no tokens are configured/);
    const op = 'op-token-0123456789abcdef0123';
    const viewer = 'viewer-token-0123456789abcdef';
    const guarded = await startServer({ env: { SONDE_TOKENS: `ci:operator:${op},dash:viewer:${viewer}` } });
    try {
      const health = await fetch(`${guarded.url}/healthz`);
      expect(health.status).toBe(200);
      expect((await fetch(`${guarded.url}/v1/probes`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/v1/probes`, { headers: { authorization: `Bearer ${viewer}` } })).status).toBe(200);
      const denied = await fetch(`${guarded.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ probe: 'tcprtt', durationMs: 200 }),
      });
      expect(denied.status).toBe(403);
      const ok = await fetch(`${guarded.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${op}`, 'content-type': 'application/json' },
        body: JSON.stringify({ probe: 'tcprtt', durationMs: 200 }),
      });
      expect(ok.status).toBe(202);
      // tokens never reach the logs
      expect(guarded.log()).not.toContain(op);
      expect(guarded.log()).not.toContain(viewer);
      const auditFile = join(guarded.dataDir, 'audit.log');
      expect(existsSync(auditFile)).toBe(true);
      expect(readFileSync(auditFile, 'utf8')).toMatch(/"who":"ci","role":"operator"/);
    } finally {
      await guarded.stop();
    }
  });
});
