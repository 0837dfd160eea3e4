/**
 * Pods without a cluster, for owner tests: a subtree under this machine's cgroup v2 mount named the
 * way kubelet (systemd driver) + containerd, CRI-O and Docker name their cgroups, a fake Kubernetes
 * API serving those pods (packages/probe-sdk/test/fake-kube-api.ts), the pod cache and owner resolver
 * over them, and a pair of network namespaces. Processes start in a namespace, are moved into their
 * container's cgroup before they make a socket, and then run a Python script. Everything is removed
 * by stop().
 *
 *   web-0 (shop, burstable, containerd)  containers web and sidecar   labels app=web, tier=front
 *   db-0  (shop, besteffort, CRI-O)      container pg                 labels app=db
 *   a Docker container (no pod)
 *   web-1 (shop) on another node: the API lists it, this node has none of its cgroups
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { cgroup2Root, OwnerResolver, PodCache } from '@sonde/probe-sdk';
import { FakeKubeApi } from '../../packages/probe-sdk/test/fake-kube-api.js';
import { netnsPair, type NetnsPair } from './netns.js';

export interface LabProc {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** the lines it printed after it was moved into its cgroup */
  next(timeoutMs?: number): Promise<string>;
  /** a line to its stdin */
  send(line: string): void;
  /** close its stdin and wait for it to end */
  end(): Promise<void>;
}

export type LabContainer = 'web' | 'sidecar' | 'pg' | 'docker';

export class PodLab {
  readonly root = cgroup2Root();
  readonly base = `/sonde-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  readonly node = hostname();
  readonly web = { uid: randomUUID(), web: randomBytes(32).toString('hex'), sidecar: randomBytes(32).toString('hex') };
  readonly db = { uid: randomUUID(), pg: randomBytes(32).toString('hex') };
  readonly dockerId = randomBytes(32).toString('hex');
  /** cgroup paths below the v2 root, as /proc/<pid>/cgroup writes them */
  readonly dirs: Record<LabContainer | 'webPod' | 'dbPod', string>;
  readonly api: FakeKubeApi;
  pods!: PodCache;
  owners!: OwnerResolver;
  pair!: NetnsPair;
  private readonly procs: LabProc[] = [];

  constructor(readonly tag = 'pl') {
    const u_ = (u: string) => u.replace(/-/g, '_');
    const webPod = `${this.base}/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${u_(this.web.uid)}.slice`;
    const dbPod = `${this.base}/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${u_(this.db.uid)}.slice`;
    this.dirs = {
      webPod,
      dbPod,
      web: `${webPod}/cri-containerd-${this.web.web}.scope`,
      sidecar: `${webPod}/cri-containerd-${this.web.sidecar}.scope`,
      pg: `${dbPod}/crio-${this.db.pg}.scope`,
      docker: `${this.base}/system.slice/docker-${this.dockerId}.scope`,
    };
    this.api = new FakeKubeApi([
      {
        uid: this.web.uid,
        name: 'web-0',
        namespace: 'shop',
        node: this.node,
        labels: { app: 'web', tier: 'front' },
        containers: [
          { name: 'web', containerID: `containerd://${this.web.web}` },
          { name: 'sidecar', containerID: `containerd://${this.web.sidecar}` },
        ],
      },
      { uid: this.db.uid, name: 'db-0', namespace: 'shop', node: this.node, labels: { app: 'db' }, containers: [{ name: 'pg', containerID: `cri-o://${this.db.pg}` }] },
      { uid: randomUUID(), name: 'web-1', namespace: 'shop', node: `${this.node}-other`, labels: { app: 'web' }, containers: [{ name: 'web', containerID: `containerd://${'e'.repeat(64)}` }] },
    ]);
  }

  /** the cgroup v2 id (inode) of a lab cgroup */
  id(which: keyof PodLab['dirs']): string {
    return statSync(`${this.root}${this.dirs[which]}`, { bigint: true }).ino.toString();
  }

  async start(): Promise<this> {
    for (const d of Object.values(this.dirs)) mkdirSync(`${this.root}${d}`, { recursive: true });
    await this.api.start();
    this.pods = new PodCache({ api: { apiUrl: this.api.url }, nodeName: this.node }).start();
    await this.pods.ready();
    this.owners = new OwnerResolver({ pods: this.pods, hierarchyOptions: { minRefreshMs: 0 } });
    this.pair = netnsPair(this.tag);
    return this;
  }

  /** a Python script in network namespace `ns` ('' = the test's own), run inside container `c`'s cgroup from its first line */
  async run(ns: string, c: LabContainer, script: string, args: Array<string | number> = []): Promise<LabProc> {
    const boot = `import os, sys\nprint(os.getpid(), flush=True)\nsys.stdin.readline()\n${script}`;
    const py = ['python3', '-u', '-c', boot, ...args.map(String)];
    const child = ns ? spawn('ip', ['netns', 'exec', ns, ...py], { stdio: ['pipe', 'pipe', 'pipe'] }) : spawn(py[0]!, py.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const next = async (timeoutMs = 20_000): Promise<string> => {
      let timer: NodeJS.Timeout | undefined;
      const l = await Promise.race([
        lines.next(),
        new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`no line from ${c} in ${timeoutMs} ms: ${err}`)), timeoutMs))),
      ]).finally(() => clearTimeout(timer));
      if (l.done) throw new Error(`${c} ended: ${err}`);
      return l.value;
    };
    const pid = Number(await next());
    const p: LabProc = {
      child,
      pid,
      next,
      send: (line) => child.stdin.write(`${line}\n`),
      end: async () => {
        child.stdin.end();
        if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
      },
    };
    this.procs.push(p);
    // v2: the writer needs write access to the common ancestor (root has it)
    writeFileSync(`${this.root}${this.dirs[c]}/cgroup.procs`, String(pid));
    child.stdin.write('go\n');
    return p;
  }

  async stop(): Promise<void> {
    for (const p of this.procs) {
      p.child.stdin.end();
      p.child.kill('SIGTERM');
    }
    await Promise.all(this.procs.map((p) => (p.child.exitCode !== null || p.child.signalCode !== null ? null : new Promise((r) => p.child.once('exit', r)))));
    await this.pods?.stop();
    await this.api.close();
    this.pair?.destroy();
    // deepest first; a cgroup whose last task just exited may be busy for a moment
    const all: string[] = [];
    const walk = (p: string) => {
      all.push(p);
      for (const e of readdirSync(`${this.root}${p}`, { withFileTypes: true })) if (e.isDirectory()) walk(`${p}/${e.name}`);
    };
    walk(this.base);
    for (const p of all.reverse()) {
      for (let i = 0; ; i++) {
        try {
          rmdirSync(`${this.root}${p}`);
          break;
        } catch (err) {
          if (i > 100) throw err;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
  }
}

/**
 * An echo server: listens on argv[1]:argv[2] (0 = any port), prints its port, echoes every
 * connection until EOF, one thread per connection. `backlog` argv[3].
 */
export const ECHO_SERVER = `
import socket, sys, threading
host, port, backlog = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 64
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, port)); s.listen(backlog)
print(s.getsockname()[1], flush=True)
def echo(c):
    with c:
        c.settimeout(20)
        while True:
            d = c.recv(65536)
            if not d: return
            c.sendall(d)
def serve():
    while True:
        try: c, _ = s.accept()
        except OSError: return
        threading.Thread(target=echo, args=(c,), daemon=True).start()
threading.Thread(target=serve, daemon=True).start()
sys.stdin.read()
`;

/**
 * A client: for every line "host port n size" on stdin, n connections one after another, each
 * sending size bytes, reading them back, closing; prints "done <local ports, comma-separated>".
 */
export const ECHO_CLIENT = `
import socket, sys
for line in sys.stdin:
    host, port, n, size = line.split()
    ports = []
    for _ in range(int(n)):
        c = socket.create_connection((host, int(port)), timeout=20)
        ports.append(c.getsockname()[1])
        data = b'x' * int(size)
        c.sendall(data)
        got = 0
        while got < len(data):
            d = c.recv(65536)
            if not d: break
            got += len(d)
        c.close()
    print('done', ','.join(map(str, ports)), flush=True)
`;
