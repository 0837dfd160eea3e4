/**
 * Owners on a real cgroup v2 hierarchy, without a cluster: the test makes a subtree under this
 * machine's v2 mount named the way kubelet (systemd driver) + containerd and CRI-O name pod
 * containers, and a Docker scope; runs one process in each, in network namespaces it made, with
 * real TCP between them over a veth pair; serves a fake Kubernetes API with those pods. The socket's
 * cgroup id comes from the kernel itself — sock_diag's INET_DIAG_CGROUP_ID, which `ss --cgroup`
 * prints raw ("unreachable:<hex>") where no cgroup2 is mounted, as under `ip netns exec`. Checks: that
 * id is the inode of the cgroup directory (also for accepted sockets, made in softirq context), the
 * resolver names the right pod, container and runtime for it, and the owner filters' id sets hold it.
 * The cgroups, pods and namespaces are support/pod-lab.ts's, shared with owner-probes.kernel.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CgroupHierarchy, OwnerResolver, ownerCgroupIds, procCgroupPath } from '@sonde/probe-sdk';
import { describeKernel } from './support/kernel.js';
import { PodLab, type LabContainer, type LabProc } from './support/pod-lab.js';

// a "container": serves or connects and holds its sockets until stdin closes (support/pod-lab.ts
// moves it into its cgroup first)
const PROC = `
import socket, sys, threading
role, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if role == 'server':
    s = socket.socket(); s.bind((host, 0)); s.listen(16)
    held = []
    def serve():
        while True:
            try: c, _ = s.accept()
            except OSError: return
            c.sendall(b'ok'); held.append(c)
    threading.Thread(target=serve, daemon=True).start()
    print(s.getsockname()[1], flush=True)
else:
    c = socket.create_connection((host, port), timeout=10)
    assert c.recv(2) == b'ok'
    print(c.getsockname()[1], flush=True)
sys.stdin.read()
`;

interface Proc extends LabProc {
  port: number;
}

describeKernel('owners of real sockets in kubelet/containerd, CRI-O and Docker cgroups', () => {
  const lab = new PodLab('sow');
  const { root, dirs } = lab;
  const web = { uid: lab.web.uid, id: lab.web.web };
  const db = { uid: lab.db.uid, id: lab.db.pg };
  const dockerId = lab.dockerId;
  const ino = (p: string) => statSync(`${root}${p}`, { bigint: true }).ino;

  /** a process in a namespace and a container's cgroup, with its listening or connected port */
  async function run(ns: string, c: LabContainer, role: 'server' | 'client', host: string, port = 0): Promise<Proc> {
    const p = await lab.run(ns, c, PROC, [role, host, port]);
    return Object.assign(p, { port: Number(await p.next(10_000)) });
  }

  /** the sockets of a namespace with their cgroup ids as the kernel reports them (sock_diag) */
  function socketCgroups(ns: string): Array<{ state: string; lport: number; rport: number; id: bigint }> {
    const out: Array<{ state: string; lport: number; rport: number; id: bigint }> = [];
    const text = execFileSync('ip', ['netns', 'exec', ns, 'ss', '-tanH', '--cgroup'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    const port = (a: string) => Number(a.slice(a.lastIndexOf(':') + 1)) || 0;
    for (const line of text.split('\n')) {
      const f = line.trim().split(/\s+/);
      const cg = f.find((x) => x.startsWith('cgroup:'));
      if (!cg || f.length < 5) continue;
      const m = /^cgroup:unreachable:([0-9a-f]+)$/.exec(cg);
      // where ss can see a cgroup2 mount it prints the path it resolved instead: its directory's inode
      const id = m ? BigInt(`0x${m[1]}`) : ino(cg.slice('cgroup:'.length));
      out.push({ state: f[0]!, lport: port(f[3]!), rport: port(f[4]!), id });
    }
    return out;
  }
  const sock = (list: ReturnType<typeof socketCgroups>, state: string, lport: number, rport?: number) =>
    list.filter((x) => x.state === state && x.lport === lport && (rport === undefined || x.rport === rport)).map((x) => x.id);

  let pair: PodLab['pair'];
  let pods: PodLab['pods'];
  let server: Proc, dbClient: Proc, dockerClient: Proc;
  beforeAll(async () => {
    await lab.start();
    pair = lab.pair;
    pods = lab.pods;
    server = await run(pair.a, 'web', 'server', pair.ipA);
    dbClient = await run(pair.b, 'pg', 'client', pair.ipA, server.port);
    dockerClient = await run(pair.b, 'docker', 'client', pair.ipA, server.port);
  });

  afterAll(async () => {
    await lab.stop();
  });

  it('the kernel’s socket cgroup id is the inode of the cgroup directory, for accepted sockets too', () => {
    for (const [p, d] of [[server, dirs.web], [dbClient, dirs.pg], [dockerClient, dirs.docker]] as const) {
      expect(procCgroupPath(p.pid)).toBe(d);
    }
    const a = socketCgroups(pair.a);
    const b = socketCgroups(pair.b);
    expect(sock(a, 'LISTEN', server.port)).toEqual([ino(dirs.web)]);
    // the two connections the server accepted (made in softirq, cloned from the listener)
    expect(sock(a, 'ESTAB', server.port, dbClient.port)).toEqual([ino(dirs.web)]);
    expect(sock(a, 'ESTAB', server.port, dockerClient.port)).toEqual([ino(dirs.web)]);
    expect(sock(b, 'ESTAB', dbClient.port)).toEqual([ino(dirs.pg)]);
    expect(sock(b, 'ESTAB', dockerClient.port)).toEqual([ino(dirs.docker)]);
  });

  it('resolves each socket’s cgroup id to its pod and container (the fake API’s names and labels)', () => {
    const r = new OwnerResolver({ pods });
    const a = socketCgroups(pair.a);
    const b = socketCgroups(pair.b);
    expect(r.resolve(sock(a, 'LISTEN', server.port)[0]!)).toEqual({
      cgroupId: String(ino(dirs.web)), cgroupPath: dirs.web, runtime: 'containerd', containerId: web.id, podUid: web.uid, qos: 'burstable',
      namespace: 'shop', pod: 'web-0', container: 'web', labels: { app: 'web', tier: 'front' },
    });
    expect(r.resolve(sock(a, 'ESTAB', server.port, dbClient.port)[0]!)).toMatchObject({ pod: 'web-0', container: 'web' });
    expect(r.resolve(sock(b, 'ESTAB', dbClient.port)[0]!)).toEqual({
      cgroupId: String(ino(dirs.pg)), cgroupPath: dirs.pg, runtime: 'cri-o', containerId: db.id, podUid: db.uid, qos: 'besteffort',
      namespace: 'shop', pod: 'db-0', container: 'pg', labels: { app: 'db' },
    });
    expect(r.resolve(sock(b, 'ESTAB', dockerClient.port)[0]!)).toEqual({ cgroupId: String(ino(dirs.docker)), cgroupPath: dirs.docker, runtime: 'docker', containerId: dockerId });
    expect(r.hierarchy.stats.walks).toBe(1);
  });

  it('owner filters turn into id sets that hold exactly the right sockets’ cgroups', () => {
    const h = new CgroupHierarchy();
    const a = socketCgroups(pair.a);
    const b = socketCgroups(pair.b);
    const webId = sock(a, 'LISTEN', server.port)[0]!;
    const dbId = sock(b, 'ESTAB', dbClient.port)[0]!;
    const dockerCg = sock(b, 'ESTAB', dockerClient.port)[0]!;
    const set = (f: Parameters<typeof ownerCgroupIds>[0]) => new Set(ownerCgroupIds(f, h, pods).ids);
    const byPod = set({ pod: 'shop/web-0' });
    expect(byPod.has(webId)).toBe(true);
    expect(byPod.has(ino(dirs.web.slice(0, dirs.web.lastIndexOf('/'))))).toBe(true); // the pod's own cgroup
    expect(byPod.has(dbId) || byPod.has(dockerCg)).toBe(false);
    expect([...set({ podSelector: 'app=db' })].sort()).toEqual([ino(dirs.dbPod), dbId].sort());
    expect([...set({ pod: 'shop/web-0', container: 'web' })]).toEqual([webId]);
    expect([...set({ container: dockerId.slice(0, 12) })]).toEqual([dockerCg]);
    expect([...set({ container: 'pg' })]).toEqual([dbId]);
    const all = set({ cgroup: lab.base });
    expect([webId, dbId, dockerCg].every((i) => all.has(i))).toBe(true);
    expect(all.size).toBe(11); // base, kubepods, 2 QoS, 2 pods, 3 containers, system.slice, docker
    expect(set({ pod: 'shop/web-1' }).size).toBe(0); // another node's pod
  });

  it('a process moved to another container is seen under its new owner after the next walk', () => {
    const r = new OwnerResolver({ pods, hierarchyOptions: { minRefreshMs: 0 } });
    const moved = `${dirs.web.slice(0, dirs.web.lastIndexOf('/'))}/cri-containerd-${'0'.repeat(64)}.scope`;
    mkdirSync(`${root}${moved}`);
    writeFileSync(`${root}${moved}/cgroup.procs`, String(dockerClient.pid));
    const id = ino(procCgroupPath(dockerClient.pid)!);
    expect(r.resolve(id)).toMatchObject({ cgroupPath: moved, podUid: web.uid, namespace: 'shop', pod: 'web-0', runtime: 'containerd', containerId: '0'.repeat(64) });
    expect(r.resolve(id)?.container).toBeUndefined(); // no containerStatus names that id
    // sockets keep the cgroup they were made in
    expect(sock(socketCgroups(pair.b), 'ESTAB', dockerClient.port)).toEqual([ino(dirs.docker)]);
  });
});
