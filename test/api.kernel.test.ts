/**
 * The README's path, for real: the built server as a child process, a tcprtt job over HTTP with
 * traffic on a port the test chose, early stop, problem+json errors, and crash recovery.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel, programsLeft } from './support/kernel.js';
import { json, startServer, waitJob, type Server } from './support/server.js';
import { echoServer, pingPong, type EchoServer } from './support/traffic.js';

const post = (url: string, body: unknown) =>
  fetch(`${url}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describeKernel('control plane over HTTP with real jobs', () => {
  let server: Server;
  let echo: EchoServer;

  beforeAll(async () => {
    server = await startServer();
    echo = await echoServer();
  });
  afterAll(async () => {
    await echo?.close();
    await server?.stop();
    expect(await programsLeft()).toEqual([]);
  });

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
  });
});
