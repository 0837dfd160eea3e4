// What the benches share: the built control plane on a free loopback port with a data dir of its
// own (started, awaited, stopped and cleaned), a JSON POST, the RSS of a process, a bounded wait.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = new URL('../..', import.meta.url).pathname;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** resident set size of a process, MB */
export const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

export async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const p = s.address().port;
  await new Promise((r) => s.close(r));
  return p;
}

/** poll `url` until it answers 2xx (bounded: 10 s); throws when `proc` exits first */
export async function waitUp(url, proc) {
  for (let i = 0; i < 400; i++) {
    if (proc.exitCode !== null) throw new Error(`${url} exited ${proc.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await sleep(25);
  }
  throw new Error(`${url} did not come up`);
}

/**
 * packages/control-api/dist/main.js on 127.0.0.1:<free port> with a fresh data dir; `env` adds to or
 * overrides the SONDE_* variables; `stdio` as for spawn (default: only stderr shown).
 */
export async function startSonde({ env = {}, stdio = ['ignore', 'ignore', 'inherit'], tmpPrefix = 'sonde-bench-' } = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), tmpPrefix));
  const proc = spawn(process.execPath, [join(root, 'packages/control-api/dist/main.js')], {
    env: { ...process.env, SONDE_HOST: '127.0.0.1', SONDE_PORT: String(port), SONDE_DATA_DIR: dataDir, ...env },
    stdio,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUp(`${url}/healthz`, proc);
  return { url, proc, dataDir };
}

/** SIGTERM (unless it already exited), wait for the exit, remove the data dir; the exit code */
export async function stopSonde(s) {
  const code =
    s.proc.exitCode !== null
      ? s.proc.exitCode
      : await new Promise((r) => {
          s.proc.once('exit', r);
          s.proc.kill('SIGTERM');
        });
  if (s.dataDir) rmSync(s.dataDir, { recursive: true, force: true });
  return code;
}

/** POST a JSON body to /v1/jobs; the Response */
export const postJob = (url, body, headers = {}) =>
  fetch(`${url}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
