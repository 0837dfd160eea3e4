/**
 * Child processes with a known pid and comm that connect and accept, for ground truth on attribution:
 * each runs `python3 -c`, renames itself (prctl PR_SET_NAME) so its comm is the test's, and prints one
 * JSON line describing what it did. Optionally inside a network namespace (`ip netns exec` execs, so the
 * pid printed is the pid the kernel sees). Every child is bounded in time.
 *
 * And the suite those children run in (connSuite): the catalog, a namespace pair, a loopback echo server,
 * the check that nothing stays loaded, and `traced`, a job that lasts as long as the children's work.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect } from 'vitest';
import { Catalog } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import { programsLeft } from './kernel.js';
import { netnsPair, type NetnsPair } from './netns.js';
import { echoServer, type EchoServer } from './traffic.js';
import { runWhile } from './job-while.js';
import { countedRun, type Counted } from './nstat.js';

export interface ConnectTarget {
  host: string;
  port: number;
  /** non-blocking connect (connect_ex + poll) instead of a blocking one */
  nonblocking?: boolean;
  /**
   * a truly blocking connect(2), returning only when the handshake ended (the child's 15 s bound still
   * holds). Without it a "blocking" connect is Python's timeout mode: O_NONBLOCK and poll underneath, so
   * connect(2) may return EINPROGRESS first when the handshake is slow (an emulated CPU)
   */
  blocking?: boolean;
  /** how long to wait for the outcome, s (3): a non-blocking connect still pending then is closed (aborted by its owner) */
  waitS?: number;
  /** TCP_SYNCNT: SYN retransmits before the kernel gives up (ETIMEDOUT after 1 s + 2 s with 1) */
  syncnt?: number;
  /** once connected, close with SO_LINGER 0: a RST instead of a FIN (ESTABLISHED -> CLOSE) */
  reset?: boolean;
}

export interface ConnectResult extends ConnectTarget {
  /** local port the socket got (getsockname before close; 0 if it never got one) */
  lport: number;
  /** 0 = connected, else errno */
  errno: number;
  /** wall-clock time of the connect in the child, µs */
  us: number;
}

export interface ClientRun {
  pid: number;
  comm: string;
  results: ConnectResult[];
}

const PRELUDE = `
import ctypes, json, os, socket, struct, sys, time, select, errno as E
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
`;

const CLIENT = `${PRELUDE}
out = []
for t in json.loads(sys.argv[2]):
    fam = socket.AF_INET6 if ':' in t['host'] else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    if t.get('syncnt'):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, t['syncnt'])
    wait = t.get('waitS', 3)
    t0 = time.perf_counter()
    if t.get('nonblocking'):
        s.setblocking(False)
        rc = s.connect_ex((t['host'], t['port']))
        if rc == E.EINPROGRESS:
            select.select([], [s], [], wait)
            rc = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if rc == 0 and not select.select([], [s], [], 0)[1]:
                rc = E.EINPROGRESS
    else:
        s.settimeout(None if t.get('blocking') else wait)
        rc = s.connect_ex((t['host'], t['port']))
    us = (time.perf_counter() - t0) * 1e6
    lport = s.getsockname()[1]
    out.append(dict(t, lport=lport, errno=rc, us=us))
    if rc == 0 and t.get('reset'):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()
    time.sleep(0.005)
print(json.dumps(dict(pid=os.getpid(), comm=sys.argv[1], results=out)), flush=True)
`;

const SERVER = `${PRELUDE}
host, port, n, backlog, gated = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6] == '1'
fam = socket.AF_INET6 if ':' in host else socket.AF_INET
srv = socket.socket(fam, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((host, port)); srv.listen(backlog); srv.settimeout(8)
print(json.dumps(dict(pid=os.getpid(), port=srv.getsockname()[1])), flush=True)
if gated:
    select.select([sys.stdin], [], [], 10)
got = []
try:
    for i in range(n):
        c, peer = srv.accept()
        got.append(dict(rport=peer[1], lport=c.getsockname()[1]))
        c.close()
except socket.timeout:
    pass
print(json.dumps(dict(accepted=got)), flush=True)
`;

function run(ns: string | null, args: string[], stdin: 'ignore' | 'pipe' = 'ignore') {
  const cmd = ns ? ['ip', 'netns', 'exec', ns, 'python3', ...args] : ['python3', ...args];
  return spawn(cmd[0]!, cmd.slice(1), { stdio: [stdin, 'pipe', 'pipe'], timeout: 15_000 });
}

/** connect to each target in turn from a child named `comm`; resolves when it has exited */
export function connectFrom(comm: string, targets: ConnectTarget[], ns: string | null = null): Promise<ClientRun> {
  const child = run(ns, ['-c', CLIENT, comm, JSON.stringify(targets)]);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`client ${comm} exited ${code}: ${err}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as ClientRun);
    });
  });
}

export interface ServerChild {
  pid: number;
  port: number;
  comm: string;
  /** resolves once it accepted n connections (or gave up after 8 s) and exited */
  done: Promise<Array<{ rport: number; lport: number }>>;
  /** a gated server starts accepting (else a no-op) */
  go(): void;
}

export interface AcceptOptions {
  /** listen() backlog (64) */
  backlog?: number;
  /** listen, but accept only once go() is called (or 10 s have passed): connections wait in the accept queue */
  gated?: boolean;
}

/**
 * A child named `comm` listening on host:port (0 = any free port) that accepts n connections, closing each,
 * then closes its listener and exits (connections still queued then are reset).
 */
export async function acceptIn(comm: string, host: string, n: number, ns: string | null = null, port = 0, o: AcceptOptions = {}): Promise<ServerChild> {
  const child = run(ns, ['-c', SERVER, comm, host, String(port), String(n), String(o.backlog ?? 64), o.gated ? '1' : '0'], o.gated ? 'pipe' : 'ignore');
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const lines: string[] = [];
  let first!: (v: { pid: number; port: number }) => void;
  const ready = new Promise<{ pid: number; port: number }>((r) => (first = r));
  child.stdout!.on('data', (d) => {
    out += d;
    while (out.includes('\n')) {
      const i = out.indexOf('\n');
      lines.push(out.slice(0, i));
      out = out.slice(i + 1);
      if (lines.length === 1) first(JSON.parse(lines[0]!));
    }
  });
  const done = new Promise<Array<{ rport: number; lport: number }>>((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0 || lines.length < 2) return reject(new Error(`server ${comm} exited ${code}: ${err}`));
      resolve((JSON.parse(lines[1]!) as { accepted: Array<{ rport: number; lport: number }> }).accepted);
    });
  });
  const r = await Promise.race([ready, done.then(() => Promise.reject(new Error(`server ${comm} ended early: ${err}`)))]);
  return { pid: r.pid, port: r.port, comm, done, go: () => child.stdin?.end('go\n') };
}

export interface ConnSuite<D> {
  readonly catalog: Catalog;
  readonly pair: NetnsPair;
  /** a loopback echo server (not made with `echo: false`) */
  readonly echo: EchoServer;
  /** run a job; once attached, run `work` (the children); the job lasts until work is done + 300 ms */
  traced<T>(params: Record<string, unknown>, work: () => Promise<T>): Promise<{ result: ResultEnvelope<D>; data: D; work: T }>;
  /** the same, with namespace `ns`'s counters read by nstat just before `work` and once it has settled (nstat.ts) */
  counted<T>(params: Record<string, unknown>, ns: string, work: () => Promise<T>): Promise<Counted<D, T>>;
}

/**
 * The fixtures of a kernel suite for `probe`, made in the enclosing describe's beforeAll (the probe must
 * be available, the namespace pair is named after `tag`) and removed in its afterAll, which then checks
 * that no program is left loaded. Read them through the returned object, inside tests.
 */
export function connSuite<D>(probe: string, tag: string, opts: { echo?: boolean } = {}): ConnSuite<D> {
  let catalog: Catalog | undefined;
  let pair: NetnsPair | undefined;
  let echo: EchoServer | undefined;
  beforeAll(async () => {
    catalog = await Catalog.discover();
    expect(catalog.get(probe)?.available, catalog.get(probe)?.reason).toBe(true);
    pair = netnsPair(tag);
    if (opts.echo !== false) echo = await echoServer();
  });
  afterAll(async () => {
    await echo?.close();
    pair?.destroy();
    expect(await programsLeft()).toEqual([]);
  });
  const made = <V>(v: V | undefined, what: string): V => {
    if (v === undefined) throw new Error(`connSuite(${probe}): no ${what} (outside a test, or echo: false)`);
    return v;
  };
  return {
    get catalog() {
      return made(catalog, 'catalog');
    },
    get pair() {
      return made(pair, 'namespace pair');
    },
    get echo() {
      return made(echo, 'echo server');
    },
    /** the job lasts as long as `work` (job-while.ts): ended by the stop once the work is done */
    async traced<T>(params: Record<string, unknown>, work: () => Promise<T>) {
      const { result, traffic } = await runWhile<D, T>(probe, params, work, { catalog: made(catalog, 'catalog') });
      expect(result.stoppedBy, 'the job outlived its work').toBe('cancel');
      return { result, data: result.data!, work: traffic };
    },
    counted<T>(params: Record<string, unknown>, ns: string, work: () => Promise<T>) {
      return countedRun<D, T>(made(catalog, 'catalog'), probe, params, ns, work);
    },
  };
}
