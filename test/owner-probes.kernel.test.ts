/**
 * Owners in real probe results, without a cluster (support/pod-lab.ts): cgroups named as kubelet +
 * containerd, CRI-O and Docker name them, processes inside them in network namespaces the test made,
 * a fake Kubernetes API with those pods, and jobs through the JobRunner with the process's owner
 * resolution, as the control plane runs them. Checked:
 *   - every tcpstates event names its socket's pod and container — the passive side's too, whose
 *     SYN_RECV -> ESTABLISHED runs in softirq — and a pod filter keeps exactly that pod's events while
 *     another pod and a Docker container talk at the same time (podSelector, cgroup subtree too);
 *   - by pod / by container: tcplife, tcprtt, tcptop, tcpconnlat, tcpsubnet keys are the pods and containers,
 *     each with its `owner`, and their counts are the traffic each made;
 *   - softirq: retransmits from the server's timers (and a SYN-ACK retransmitted for a request sock)
 *     and listen-overflow drops name the listening pod; tcpsynbl's rows and both probes' listener
 *     tables name it, and a filter on another pod keeps none of it;
 *   - tcpports counts a pod's sockets (held in the test's own namespace) under that pod, and its
 *     owner filter counts exactly them;
 *   - a pod relabelled while a podSelector job runs joins its kernel filter (the set is refreshed).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Owner } from '@sonde/probe-sdk';
import { sondeDone } from './support/cli.js';
import { TestRunner, type Ended } from './support/job-runner.js';
import { describeKernel } from './support/kernel.js';
import { ECHO_CLIENT, ECHO_SERVER, PodLab, type LabProc } from './support/pod-lab.js';
import { attachDropper, compileDropper } from './support/retrans.js';

interface Ev {
  laddr: string;
  lport: number;
  rport: number;
  cgroup: string;
  owner?: Owner;
  oldstate?: string;
  newstate?: string;
  type?: string;
}
interface Keyed {
  key: string;
  cgroup: string;
  owner?: Owner;
}

const LONG = 120_000;

describeKernel('owners on every event and key of real probes, and owner filters in the kernel', () => {
  const lab = new PodLab('pow');
  beforeAll(async () => {
    await lab.start();
  });
  afterAll(async () => {
    await lab.stop();
  });
  const h = TestRunner.use(8, () => lab.owners);

  let server: LabProc;
  let port: number;
  let subnet: string;
  beforeAll(async () => {
    server = await lab.run(lab.pair.a, 'web', ECHO_SERVER, [lab.pair.ipA, 0]);
    port = Number(await server.next());
    subnet = `${lab.pair.ipA.slice(0, lab.pair.ipA.lastIndexOf('.'))}.0/24`;
  });

  /**
   * start jobs, wait until all are attached (a guard, not a speed claim: seven loads on one emulated
   * CPU take tens of seconds), run `traffic`, let closes settle, stop them all — also when a step fails
   */
  async function around(jobs: Record<string, [string, Record<string, unknown>]>, traffic: () => Promise<void>): Promise<Record<string, Ended>> {
    const t = h.t;
    const tag = Math.random().toString(36).slice(2, 7);
    const ends: Record<string, Promise<Ended>> = {};
    const ended = new Map<string, Ended>();
    for (const [name, [probe, params]] of Object.entries(jobs)) {
      ends[name] = t.start(`${name}-${tag}`, probe, params, LONG);
      void ends[name].then((e) => ended.set(name, e));
    }
    try {
      await t.until(() => ended.size > 0 || Object.keys(jobs).every((n) => t.attached.has(`${n}-${tag}`)), 240_000, 20);
      const early = [...ended].map(([n, e]) => `${n}: ${e.status} ${e.result.error?.message ?? ''}`);
      expect(early, 'jobs that ended before the traffic').toEqual([]);
      expect(Object.keys(jobs).filter((n) => !t.attached.has(`${n}-${tag}`)), 'jobs not attached').toEqual([]);
      await traffic();
      await new Promise((r) => setTimeout(r, 700)); // LAST_ACK -> CLOSE, the last RTT samples
    } finally {
      for (const n of Object.keys(jobs)) t.runner.stop(`${n}-${tag}`);
    }
    const out: Record<string, Ended> = {};
    for (const [n, p] of Object.entries(ends)) {
      out[n] = await p;
      expect(out[n]!.result.error, n).toBeUndefined();
    }
    return out;
  }

  async function connections(p: LabProc, n: number, size: number): Promise<number[]> {
    p.send(`${lab.pair.ipA} ${port} ${n} ${size}`);
    const line = await p.next(30_000);
    expect(line).toMatch(/^done /);
    return line.slice(5).split(',').map(Number);
  }

  it('names the pod and container of every socket event and key, softirq ones too; a pod filter keeps only that pod', async () => {
    const pg = await lab.run(lab.pair.b, 'pg', ECHO_CLIENT);
    const dk = await lab.run(lab.pair.b, 'docker', ECHO_CLIENT);
    const side = await lab.run(lab.pair.a, 'sidecar', ECHO_CLIENT);
    let pgPorts: number[] = [];
    let dkPorts: number[] = [];
    let sidePorts: number[] = [];
    const laddr = subnet;
    const r = await around(
      {
        states: ['tcpstates', { laddr }],
        statesDb: ['tcpstates', { laddr, pod: 'shop/db-0' }],
        lifeWeb: ['tcplife', { laddr, podSelector: 'app=web', by: 'container' }],
        life: ['tcplife', { laddr, by: 'pod' }],
        rtt: ['tcprtt', { laddr, by: 'pod' }],
        top: ['tcptop', { laddr, by: 'container', intervalMs: 60_000 }],
        connlat: ['tcpconnlat', { laddr, by: 'container', cgroup: lab.base }],
        subnet: ['tcpsubnet', { laddr, by: 'pod', subnets: [subnet], intervalMs: 60_000 }],
      },
      async () => {
        // at the same time: the pod the filter keeps, and two it must not
        [pgPorts, dkPorts, sidePorts] = await Promise.all([connections(pg, 3, 20_000), connections(dk, 2, 10_000), connections(side, 2, 5000)]);
      },
    );
    const webOwner = { namespace: 'shop', pod: 'web-0', container: 'web', runtime: 'containerd', podUid: lab.web.uid, containerId: lab.web.web, qos: 'burstable' };
    const ownerOf = (lport: number) =>
      lport === port
        ? webOwner
        : pgPorts.includes(lport)
          ? { namespace: 'shop', pod: 'db-0', container: 'pg', runtime: 'cri-o', containerId: lab.db.pg, qos: 'besteffort' }
          : dkPorts.includes(lport)
            ? { runtime: 'docker', containerId: lab.dockerId, cgroupPath: lab.dirs.docker }
            : sidePorts.includes(lport)
              ? { namespace: 'shop', pod: 'web-0', container: 'sidecar' }
              : null;

    // tcpstates: every event of the test's sockets (its own subnet) names its owner, in softirq as in
    // process context; CLOSE -> SYN_SENT comes before connect() picked the local port (lport 0)
    const all = (r.states!.result.data as { events: Ev[] }).events;
    expect(all.every((e) => e.owner?.namespace === 'shop' || e.owner?.runtime === 'docker')).toBe(true);
    const states = all.filter((e) => ownerOf(e.lport));
    expect(states.length).toBeGreaterThan(40);
    for (const e of states) expect(e.owner, `${e.lport} ${e.oldstate}->${e.newstate}`).toMatchObject(ownerOf(e.lport)!);
    // the passive side: LISTEN -> SYN_RECV and SYN_RECV -> ESTABLISHED run in softirq, for all 7 accepted connections
    const passive = states.filter((e) => e.lport === port && e.oldstate === 'SYN_RECV' && e.newstate === 'ESTABLISHED');
    expect(passive).toHaveLength(7);
    expect(passive.every((e) => e.cgroup === lab.id('web'))).toBe(true);

    // a pod filter: exactly db-0's events of the unfiltered job, while docker and the sidecar talked too
    const db = (r.statesDb!.result.data as { events: Ev[] }).events;
    expect(db.length).toBeGreaterThan(0);
    const key = (e: Ev) => `${e.lport}:${e.oldstate}:${e.newstate}`;
    expect(db.map(key).sort()).toEqual(all.filter((e) => pgPorts.includes(e.lport) || (e.lport === 0 && e.owner?.pod === 'db-0')).map(key).sort());
    expect(db.every((e) => e.owner?.pod === 'db-0' && e.owner.container === 'pg')).toBe(true);

    // podSelector app=web by container: the server's accepted sessions and the sidecar's, nothing of db-0 or docker
    const lifeWeb = r.lifeWeb!.result.data as { owners: Array<Keyed & { sessions: number }>; events: Ev[] };
    expect(Object.fromEntries(lifeWeb.owners.map((o) => [o.key, o.sessions]))).toEqual({ 'shop/web-0/web': 7, 'shop/web-0/sidecar': 2 });
    expect(lifeWeb.events.every((e) => e.owner?.pod === 'web-0')).toBe(true);

    // by pod: one key per pod (the sidecar's sessions join web-0's), a Docker container by its cgroup
    const life = r.life!.result.data as { owners: Array<Keyed & { sessions: number; txBytes: number; rxBytes: number }> };
    expect(Object.fromEntries(life.owners.map((o) => [o.key, o.sessions]))).toEqual({ 'shop/web-0': 9, 'shop/db-0': 3, [lab.dirs.docker]: 2 });
    const dbLife = life.owners.find((o) => o.key === 'shop/db-0')!;
    expect([dbLife.txBytes, dbLife.rxBytes]).toEqual([60_000, 60_000]);
    // a pod's key carries the pod's own cgroup and its owner: the pod, no container
    const webLife = life.owners.find((o) => o.key === 'shop/web-0')!;
    expect(webLife.cgroup).toBe(lab.id('webPod'));
    expect(webLife.owner).toMatchObject({ namespace: 'shop', pod: 'web-0', podUid: lab.web.uid, labels: { app: 'web', tier: 'front' } });
    expect(webLife.owner?.container).toBeUndefined();

    const rtt = r.rtt!.result.data as { by: string; histograms: Array<Keyed & { hist: { count: number } }> };
    expect(rtt.histograms.map((k) => k.key).sort()).toEqual([lab.dirs.docker, 'shop/db-0', 'shop/web-0'].sort());
    for (const k of rtt.histograms) {
      expect(k.hist.count).toBeGreaterThan(0);
      expect(k.owner?.cgroupId).toBe(k.cgroup);
    }

    // tcptop by container: the bytes each container moved (db-0's client sent and read 3 × 20 000)
    const top = (r.top!.result.data as { total: { rows: Array<Keyed & { txBytes: number; rxBytes: number; connections: number }> } }).total.rows;
    const byKey = Object.fromEntries(top.map((row) => [row.key, row]));
    expect(Object.keys(byKey).sort()).toEqual([`docker:${lab.dockerId.slice(0, 12)}`, 'shop/db-0/pg', 'shop/web-0/sidecar', 'shop/web-0/web'].sort());
    expect(byKey['shop/db-0/pg']).toMatchObject({ txBytes: 60_000, rxBytes: 60_000, connections: 3 });
    expect(byKey['shop/web-0/web']).toMatchObject({ txBytes: 60_000 + 20_000 + 10_000, rxBytes: 60_000 + 20_000 + 10_000, connections: 7 });
    expect(byKey['shop/web-0/web']!.owner).toMatchObject(webOwner);

    // tcpconnlat by container, within the lab's cgroup subtree: the connects each container made
    const connlat = r.connlat!.result.data as { owners: Array<Keyed & { latency: { count: number } }> };
    expect(Object.fromEntries(connlat.owners.map((o) => [o.key, o.latency.count]))).toEqual({
      'shop/db-0/pg': 3,
      'shop/web-0/sidecar': 2,
      [`docker:${lab.dockerId.slice(0, 12)}`]: 2,
    });

    // tcpsubnet by pod: the bytes each pod sent into the lab's subnet (web-0: the echoes of 7 connections
    // and the sidecar's 2 × 5 000; db-0: 3 × 20 000; the Docker container by its cgroup: 2 × 10 000)
    const sub = (r.subnet!.result.data as { by: string; total: { rows: Array<Keyed & { subnet: string; bytes: number; sends: number }> } }).total.rows;
    expect(Object.fromEntries(sub.map((row) => [row.key, [row.subnet, row.bytes]]))).toEqual({
      'shop/web-0': [subnet, 90_000 + 10_000],
      'shop/db-0': [subnet, 60_000],
      [lab.dirs.docker]: [subnet, 20_000],
    });
    expect(sub.every((row) => row.sends > 0)).toBe(true);
    expect(sub.find((row) => row.key === 'shop/web-0')!.owner).toMatchObject({ namespace: 'shop', pod: 'web-0' });
    await Promise.all([pg.end(), dk.end(), side.end()]);
  });

  it('retransmits from the server’s timers and a SYN-ACK retransmitted for a request sock name the server’s pod', async () => {
    const P = 7109;
    const srv = await lab.run(lab.pair.a, 'web', ECHO_SERVER, [lab.pair.ipA, P]);
    expect(Number(await srv.next())).toBe(P);
    const detach = attachDropper(lab.pair.b, lab.pair.devB, compileDropper(P), lab.pair.a, lab.pair.devA);
    const pg = await lab.run(lab.pair.b, 'pg', ECHO_CLIENT);
    try {
      const r = await around({ retrans: ['tcpretrans', { laddr: subnet, by: 'pod' }], notWeb: ['tcpretrans', { laddr: subnet, pod: 'shop/db-0' }] }, async () => {
        pg.send(`${lab.pair.ipA} ${P} 1 400000`);
        expect(await pg.next(60_000)).toMatch(/^done /);
      });
      const d = r.retrans!.result.data as { events: Ev[]; flows: Array<Ev & { retransmits: number }>; owners: Array<Keyed & { retransmits: number }> };
      const ours = d.events.filter((e) => e.lport === P);
      expect(ours.filter((e) => e.type === 'R').length).toBeGreaterThan(0);
      // the request sock's (the first SYN-ACK was dropped): named by its listener's cgroup
      expect(ours.filter((e) => e.type === 'S').length).toBeGreaterThan(0);
      for (const e of ours) expect(e.owner, `${e.type}`).toMatchObject({ namespace: 'shop', pod: 'web-0', container: 'web' });
      const flow = d.flows.filter((f) => f.lport === P);
      expect(flow.every((f) => f.owner?.pod === 'web-0')).toBe(true);
      const web = d.owners.find((o) => o.key === 'shop/web-0')!;
      expect(web.retransmits).toBe(flow.reduce((n, f) => n + f.retransmits, 0));
      // the client's pod filter: none of the server's retransmits (the client may have sent its SYN again)
      const notWeb = (r.notWeb!.result.data as { events: Ev[] }).events;
      expect(notWeb.filter((e) => e.lport === P)).toEqual([]);
      expect(notWeb.every((e) => e.owner?.pod === 'db-0')).toBe(true);
    } finally {
      detach();
      await Promise.all([pg.end(), srv.end()]);
    }
  });

  it('drops at a full listener (softirq) name the listening pod', async () => {
    // backlog 1, TCP_DEFER_ACCEPT, never accepting: data on completed handshakes overflows the queue
    const LISTENER = `
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 30)
l.bind((sys.argv[1], 0)); l.listen(1)
print(l.getsockname()[1], flush=True)
sys.stdin.read()
`;
    const HOLD = `
import socket, sys, time
held = []
for _ in range(int(sys.argv[3])):
    c = socket.socket(); c.setblocking(False)
    try: c.connect((sys.argv[1], int(sys.argv[2])))
    except BlockingIOError: pass
    time.sleep(0.05)
    try: c.send(b'x')
    except OSError: pass
    held.append(c)
time.sleep(1.5)
print('done', flush=True)
sys.stdin.read()
`;
    const l = await lab.run(lab.pair.a, 'web', LISTENER, [lab.pair.ipA]);
    const lport = Number(await l.next());
    let holder: LabProc | undefined;
    try {
      const r = await around(
        {
          drops: ['tcpdrop', { laddr: subnet, by: 'pod' }],
          synbl: ['tcpsynbl', { pod: 'shop/web-0' }],
          other: ['tcpsynbl', { pod: 'shop/db-0' }],
        },
        async () => {
          holder = await lab.run(lab.pair.b, 'pg', HOLD, [lab.pair.ipA, lport, 8]);
          expect(await holder.next(30_000)).toBe('done');
        },
      );
      const d = r.drops!.result.data as { flows: Array<Ev & { reason: string; count: number }>; events: Ev[]; owners: Array<Keyed & { count: number }> };
      // dropped at the listener in softirq (TCP_LISTEN_OVERFLOW where the kernel frees the segment as
      // one, the deferred bare ACKs as NOT_SPECIFIED): the listener's socket names its pod
      const atListener = d.flows.filter((f) => f.lport === lport && f.cgroup !== '0');
      expect(atListener.length).toBeGreaterThan(0);
      for (const f of atListener) expect(f.owner, f.reason).toMatchObject({ namespace: 'shop', pod: 'web-0', container: 'web' });
      const ev = d.events.filter((e) => e.lport === lport && e.cgroup !== '0');
      expect(ev.length).toBeGreaterThan(0);
      for (const e of ev) expect(e.owner?.pod).toBe('web-0');
      const webId = lab.id('web');
      expect(d.owners.find((o) => o.key === 'shop/web-0')!.count).toBe(d.flows.filter((f) => f.cgroup === webId).reduce((n, f) => n + f.count, 0));
      // the listener itself: tcpsynbl's row for its port and both probes' listener tables name its pod
      type Listener = { lport: number; cgroup: string; owner?: Owner; overflows: number };
      const sb = r.synbl!.result.data as { listeners: Listener[]; listenSockets: Listener[] };
      const row = sb.listeners.find((x) => x.lport === lport);
      expect(row, 'tcpsynbl row of the listener').toBeDefined();
      expect(row!.cgroup).toBe(webId);
      expect(row!.owner).toMatchObject({ namespace: 'shop', pod: 'web-0', container: 'web' });
      expect(row!.overflows).toBeGreaterThan(0);
      for (const x of [sb.listenSockets, (d as unknown as { listenOverflows: { listeners: Listener[] } }).listenOverflows.listeners])
        expect(x.find((y) => y.lport === lport)?.owner).toMatchObject({ pod: 'web-0', container: 'web' });
      // filtered on another pod in the kernel: nothing of this listener
      const other = r.other!.result.data as { listeners: Listener[]; listenSockets: Listener[] };
      expect([...other.listeners, ...other.listenSockets].filter((x) => x.lport === lport)).toEqual([]);
    } finally {
      await Promise.all([l.end(), holder?.end()]);
    }
  });

  it('tcpports counts a pod’s sockets under that pod, and its owner filter counts exactly them', async () => {
    // in the test's own namespace (the tcp iterator walks sonde's): a listener and N held loopback connections
    const N = 6;
    const HOLDER = `
import socket, sys
n = int(sys.argv[1])
l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(n)
cs = [socket.create_connection(l.getsockname()) for _ in range(n)]
ss = [l.accept()[0] for _ in range(n)]
print('held', flush=True)
sys.stdin.read()
`;
    const p = await lab.run('', 'web', HOLDER, [N]);
    try {
      expect(await p.next(20_000)).toBe('held');
      const [lo, hi] = (await import('node:fs')).readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
      // one snapshot each: the job ends by itself
      const [rAll, rWeb] = await Promise.all([
        h.t.start('ports-all', 'tcpports', { topOwners: 1000, portRange: [lo, hi] }, LONG),
        h.t.start('ports-web', 'tcpports', { pod: 'shop/web-0', portRange: [lo, hi] }, LONG),
      ]);
      for (const e of [rAll, rWeb]) expect(e.result.error).toBeUndefined();
      type Row = { cgroup: string; owner?: Owner; sockets: number; ephemeralSockets: number };
      const all = rAll.result.data as { owners: Row[] };
      const web = all.owners.find((o) => o.cgroup === lab.id('web'));
      expect(web, 'the web container among the owners').toBeDefined();
      // the listener, N clients and N accepted: every port the kernel picked is in the ephemeral range
      expect(web).toMatchObject({ sockets: 2 * N + 1, ephemeralSockets: 2 * N + 1 });
      expect(web!.owner).toMatchObject({ namespace: 'shop', pod: 'web-0', container: 'web' });
      const only = rWeb.result.data as { sockets: number; states: Record<string, number>; owners: Row[] };
      expect(only.sockets).toBe(2 * N + 1);
      expect(only.states).toEqual({ ESTABLISHED: 2 * N, LISTEN: 1 });
      expect(only.owners.map((o) => o.cgroup)).toEqual([lab.id('web')]);
      // the CLI's in-process run names pods like the agent: NODE_NAME and the API (here the fake's, by SONDE_K8S_API)
      const cli = await sondeDone(['run', 'tcpports', '--param', 'pod=shop/web-0', '--param', 'topOwners=5', '--json', '--quiet'], { NODE_NAME: lab.node, SONDE_K8S_API: lab.api.url });
      expect(cli.code, cli.stderr).toBe(0);
      const env = JSON.parse(cli.stdout) as { data: { sockets: number; owners: Row[] } };
      expect(env.data.sockets).toBe(2 * N + 1);
      expect(env.data.owners.map((o) => [o.cgroup, o.owner?.namespace, o.owner?.pod, o.owner?.container])).toEqual([[lab.id('web'), 'shop', 'web-0', 'web']]);
    } finally {
      await p.end();
    }
  });

  it('a pod relabelled while a podSelector job runs joins the kernel’s filter', async () => {
    const pg = await lab.run(lab.pair.b, 'pg', ECHO_CLIENT);
    let before: number[] = [];
    let after: number[] = [];
    const r = await around({ front: ['tcpstates', { laddr: subnet, podSelector: 'tier=front' }] }, async () => {
      before = await connections(pg, 1, 100);
      const gen = lab.pods.generation;
      lab.api.modify({ uid: lab.db.uid, name: 'db-0', namespace: 'shop', node: lab.node, labels: { app: 'db', tier: 'front' }, containers: [{ name: 'pg', containerID: `cri-o://${lab.db.pg}` }] });
      expect(await h.t.until(() => lab.pods.generation !== gen, 10_000)).toBe(true);
      // the runner compares the pod cache's generation every tick (200 ms here) and sends the new set
      await new Promise((res) => setTimeout(res, 1000));
      after = await connections(pg, 1, 100);
    });
    const events = (r.front!.result.data as { events: Ev[] }).events;
    expect(events.filter((e) => before.includes(e.lport))).toEqual([]);
    expect(events.filter((e) => after.includes(e.lport) && e.owner?.pod === 'db-0').length).toBeGreaterThan(2);
    await pg.end();
  });
});
