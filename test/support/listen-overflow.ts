/**
 * Listeners that never accept, and the scenario both listener probes (tcpdrop, tcpsynbl) are checked on
 * as a user runs them: a backlog-1 listener on 127.0.0.1 in the host namespace, a dozen non-blocking
 * clients, the probe filtered to the host namespace for as long as the clients run, and nstat's
 * ListenOverflows / ListenDrops deltas over the same time to compare with.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { Catalog, runJobInline } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import { nstat } from './tc-drop.js';

/** a listener that never accepts (argv: address, port (0: any), backlog, defer 0|1); prints "ready <pid> <port>" */
export const NEVER_ACCEPTING = `
import os, socket, sys, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if sys.argv[4] == '1':
    l.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 30)
l.bind((sys.argv[1], int(sys.argv[2])))
l.listen(int(sys.argv[3]))
print("ready", os.getpid(), l.getsockname()[1], flush=True)
time.sleep(30)
`;

/** non-blocking connects to argv[1]:argv[2], argv[3] of them 20 ms apart, held 1.3 s; prints JSON of their local ports */
export const PLAIN_CONNECTS = `
import json, socket, sys, time
held = []
for i in range(int(sys.argv[3])):
    c = socket.socket(); c.setblocking(False); c.connect_ex((sys.argv[1], int(sys.argv[2]))); held.append(c)
    time.sleep(0.02)
time.sleep(1.3)
print(json.dumps([c.getsockname()[1] for c in held]), flush=True)
`;

/** resolves with the listener's pid and port once it prints "ready <pid> <port>" (in pieces, maybe) */
export function ready(srv: ChildProcess): Promise<{ pid: number; port: number }> {
  return new Promise((resolve, reject) => {
    let out = '';
    srv.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    srv.on('exit', (c) => (out += ` (exited ${c})`));
    const t = setTimeout(() => reject(new Error(`listener not ready: ${out}`)), 10_000);
    srv.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+) (\d+)\n/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ pid: Number(m[1]), port: Number(m[2]) });
      }
    });
  });
}

export interface HostOverflowRun<D> {
  data: D;
  /** the hook variant the probe attached with */
  variant: string;
  listener: { pid: number; port: number };
  hostNs: number;
  /** nstat deltas over the job */
  overflows: number;
  drops: number;
}

/**
 * The host-namespace scenario: `probe` runs in-process filtered to this namespace (`netns`: everything
 * nstat counts there) while 12 clients fill a backlog-1 listener on 127.0.0.1; the job ends 300 ms after
 * the clients are done, so every overflow nstat counts happened while it was attached.
 */
export async function hostLoopbackOverflow<D>(probe: string): Promise<HostOverflowRun<D>> {
  const catalog = await Catalog.discover();
  const variant = catalog.get(probe)!.variant!;
  const hostNs = statSync('/proc/self/ns/net').ino;
  const srv = spawn('python3', ['-c', NEVER_ACCEPTING, '127.0.0.1', '0', '1', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const listener = await ready(srv);
    const before = { o: nstat(null, 'TcpExtListenOverflows'), d: nstat(null, 'TcpExtListenDrops') };
    let clients!: Promise<void>;
    const stop = new AbortController();
    const result = (await runJobInline(probe, { netns: hostNs }, {
      catalog,
      durationMs: 60_000,
      signal: stop.signal,
      onAttached: () => {
        clients = new Promise((resolve, reject) => {
          const c = spawn('python3', ['-c', PLAIN_CONNECTS, '127.0.0.1', String(listener.port), '12'], { stdio: 'ignore' });
          c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`clients exited with ${code}`))));
        });
        void clients.finally(() => setTimeout(() => stop.abort(), 300)).catch(() => undefined);
      },
    })) as ResultEnvelope<D>;
    await clients;
    if (result.error) throw new Error(`${probe}: ${result.error.message}`);
    return {
      data: result.data!,
      variant,
      listener,
      hostNs,
      overflows: nstat(null, 'TcpExtListenOverflows') - before.o,
      drops: nstat(null, 'TcpExtListenDrops') - before.d,
    };
  } finally {
    srv.kill('SIGKILL');
  }
}
