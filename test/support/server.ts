/**
 * Start the real control plane (built dist/main.js) as a child process on a free loopback port, and
 * the helpers of the tests that drive it over HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { programsLeft } from './kernel.js';
import { echoServer, type EchoServer } from './traffic.js';

export interface Server {
  url: string;
  dataDir: string;
  proc: ChildProcess;
  log: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const main = new URL('../../packages/control-api/dist/main.js', import.meta.url).pathname;

export async function startServer(opts: { dataDir?: string; env?: Record<string, string> } = {}): Promise<Server> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'sonde-data-'));
  const port = await freePort();
  let out = '';
  const proc = spawn(process.execPath, [main], {
    env: { ...process.env, SONDE_HOST: '127.0.0.1', SONDE_PORT: String(port), SONDE_DATA_DIR: dataDir, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited ${proc.exitCode}: ${out}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error(`server did not come up: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    dataDir,
    proc,
    log: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (code) => resolve(code));
        proc.kill(signal);
      }),
  };
}

export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** Poll a job until its status is one of `statuses` (bounded). */
export async function waitJob(url: string, id: string, statuses: string[], ms = 40_000, headers: Record<string, string> = {}): Promise<any> {
  const until = Date.now() + ms;
  for (;;) {
    const job = await json(await fetch(`${url}/v1/jobs/${id}`, { headers }));
    if (statuses.includes(job.status)) return job;
    if (Date.now() > until) throw new Error(`job ${id} stuck in ${job.status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** POST /v1/jobs (or another path) with a JSON body */
export function postJson(url: string, body: unknown, path = '/v1/jobs'): Promise<Response> {
  return fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** the usual pair of a kernel test over HTTP: a server and a loopback echo peer to send traffic to */
export async function startServerAndEcho(): Promise<{ server: Server; echo: EchoServer }> {
  const server = await startServer();
  const echo = await echoServer();
  return { server, echo };
}

/** close both (either may be missing when the start failed), then nothing of ours may stay loaded */
export async function stopServerAndEcho(server: Server | undefined, echo: EchoServer | undefined, leakPrefixes?: string[]): Promise<void> {
  await echo?.close();
  await server?.stop();
  expect(await programsLeft(2000, leakPrefixes)).toEqual([]);
}
