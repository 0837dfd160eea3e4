/**
 * Pod-selected fleet jobs over fake agents on three nodes and a fake Kubernetes API with the
 * cluster's pods and Services: a job that names pods reaches only the agents of the nodes that run
 * them, says which and why, and its merged result names pods — the owners the agents attached, and
 * remote addresses the coordinator knows as pod IPs — and Services, by their addresses.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PodCache, ServiceCache } from '@sonde/probe-sdk';
import { FakeKubeApi } from '../../probe-sdk/test/fake-kube-api.js';
import { staticDiscovery } from './agents.js';
import { Coordinator, FleetProblem } from './coordinator.js';
import { nameRemotes } from './placement.js';

const WEB0 = '11111111-1111-4111-8111-111111111111';
const DB0 = '22222222-2222-4222-8222-222222222222';
const WEB1 = '33333333-3333-4333-8333-333333333333';

interface FakeAgent {
  node: string;
  url: string;
  posted: unknown[];
  server: http.Server;
}

/** an agent that starts every job and has it succeeded at the next poll, with one flow row per pod it runs */
async function agent(node: string, rows: Array<Record<string, unknown>>): Promise<FakeAgent> {
  const posted: unknown[] = [];
  const job = (id: string, params: unknown, done: boolean) => ({
    id, probe: 'tcpretrans', probeVersion: '0.1.0', params, durationMs: 1000, status: done ? 'succeeded' : 'running',
    createdAt: new Date().toISOString(), attachedAt: new Date().toISOString(), endedAt: done ? new Date().toISOString() : null, variant: 'tp_btf', error: null,
    result: done
      ? {
          jobId: id, probe: 'tcpretrans', probeVersion: '0.1.0', params, host: { hostname: node, kernel: '6.18' }, variant: 'tp_btf',
          startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000, stoppedBy: 'deadline', kind: 'events',
          data: { flows: rows, total: { retransmits: rows.reduce((n, r) => n + Number(r.retransmits), 0), segments: 0 } },
          stats: { events: 0, lost: 0, dropped: 0, truncated: false }, warnings: [],
        }
      : null,
  });
  const jobs = new Map<string, unknown>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const send = (code: number, b: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(b));
      if (req.method === 'POST' && req.url === '/v1/jobs') {
        const b = JSON.parse(body) as { params: unknown };
        posted.push(b);
        const id = `j_${posted.length}`;
        jobs.set(id, b.params);
        return send(202, job(id, b.params, false));
      }
      const id = /^\/v1\/jobs\/(j_\d+)$/.exec(req.url ?? '')?.[1];
      if (id && jobs.has(id)) return send(200, job(id, jobs.get(id), true));
      send(404, { detail: 'nope' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { node, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posted, server };
}

const owner = (pod: string, container: string, uid: string) => ({ cgroupId: '42', cgroupPath: `/kubepods.slice/${pod}`, runtime: 'containerd', podUid: uid, namespace: 'shop', pod, container });

describe('pod-selected fleet jobs', () => {
  const api = new FakeKubeApi([
    { uid: WEB0, name: 'web-0', namespace: 'shop', node: 'w1', labels: { app: 'web' }, ips: ['10.244.1.5'], containers: [{ name: 'web', containerID: `containerd://${'a'.repeat(64)}` }] },
    { uid: DB0, name: 'db-0', namespace: 'shop', node: 'w2', labels: { app: 'db' }, ips: ['10.244.2.9', 'fd00::9'], containers: [{ name: 'pg', containerID: `cri-o://${'b'.repeat(64)}` }] },
    { uid: WEB1, name: 'web-1', namespace: 'shop', node: 'w3', labels: { app: 'web' }, ips: ['10.244.3.7'], containers: [{ name: 'web', containerID: `containerd://${'c'.repeat(64)}` }] },
    { uid: '44444444-4444-4444-8444-444444444444', name: 'kube-proxy-x', namespace: 'kube-system', node: 'w1', hostNetwork: true, ips: ['192.168.0.11'] },
  ]);
  let pods: PodCache;
  let agents: FakeAgent[];
  let coord: Coordinator;
  beforeAll(async () => {
    await api.start();
    pods = new PodCache({ api: { apiUrl: api.url } }).start();
    await pods.ready();
    agents = await Promise.all([
      agent('w1', [{ family: 4, laddr: '10.244.1.5', lport: 80, raddr: '10.244.2.9', rport: 5432, cgroup: '42', owner: owner('web-0', 'web', WEB0), retransmits: 3 }]),
      agent('w2', [{ family: 4, laddr: '10.244.2.9', lport: 5432, raddr: '192.168.0.11', rport: 40000, cgroup: '43', owner: owner('db-0', 'pg', DB0), retransmits: 1 }]),
      agent('w3', [{ family: 4, laddr: '10.244.3.7', lport: 80, raddr: '10.244.1.5', rport: 51000, cgroup: '44', owner: owner('web-1', 'web', WEB1), retransmits: 2 }]),
    ]);
    coord = new Coordinator({ discovery: staticDiscovery(agents.map((a) => ({ node: a.node, url: a.url, labels: {} }))), pods });
  });
  afterAll(async () => {
    await pods.stop();
    await api.close();
    for (const a of agents) a.server.close();
  });

  async function finished(id: string) {
    for (let i = 0; i < 50; i++) {
      const j = (await coord.get(id))!;
      if (j.endedAt) return j;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the fleet job did not end');
  }

  it('sends a job that names a pod only to the agent of its node, and says which and why', async () => {
    const before = agents.map((a) => a.posted.length);
    const job = await coord.create({ probe: 'tcpretrans', durationMs: 1000, params: { pod: 'shop/web-0' } });
    expect(agents.map((a, i) => a.posted.length - before[i]!)).toEqual([1, 0, 0]);
    expect(job.nodes.map((n) => n.node)).toEqual(['w1']);
    expect(job.placement).toEqual({ nodes: ['w1'], pods: ['shop/web-0'], why: 'pod shop/web-0: shop/web-0 on node w1' });
    const done = await finished(job.id);
    // the merged result names pods: the agent's owners, and the peer's pod from its IP
    const flows = (done.result!.data as { flows: Array<Record<string, unknown>> }).flows;
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ raddr: '10.244.2.9', remotePod: 'shop/db-0', owner: { namespace: 'shop', pod: 'web-0', container: 'web' } });
  });

  it('a label selector goes to every node that runs a matching pod; the merged rows keep each pod apart', async () => {
    const before = agents.map((a) => a.posted.length);
    const job = await coord.create({ probe: 'tcpretrans', durationMs: 1000, params: { podSelector: 'app=web' } });
    expect(agents.map((a, i) => a.posted.length - before[i]!)).toEqual([1, 0, 1]);
    expect(job.placement?.nodes).toEqual(['w1', 'w3']);
    const flows = ((await finished(job.id)).result!.data as { flows: Array<{ owner: { pod: string }; remotePod?: string; raddr: string }> }).flows;
    expect(flows.map((f) => [f.owner.pod, f.remotePod]).sort()).toEqual([
      ['web-0', 'shop/db-0'],
      ['web-1', 'shop/web-0'],
    ]);
  });

  it('never names a host-network peer by a pod', async () => {
    const job = await coord.create({ probe: 'tcpretrans', durationMs: 1000, params: { pod: 'shop/db-0' } });
    const flows = ((await finished(job.id)).result!.data as { flows: Array<Record<string, unknown>> }).flows;
    expect(flows[0]).toMatchObject({ raddr: '192.168.0.11' });
    expect(flows[0]!.remotePod).toBeUndefined();
  });

  it('answers 400 naming the field when no pod in the cluster matches, 422 when its node has no agent', async () => {
    await expect(coord.create({ probe: 'tcpretrans', durationMs: 1000, params: { pod: 'shop/nope-0' } })).rejects.toMatchObject({
      status: 400,
      extra: { errors: [{ field: 'params.pod', message: 'pod shop/nope-0: no pod in the cluster matches' }] },
    });
    const only = new Coordinator({ discovery: staticDiscovery([{ node: 'w2', url: agents[1]!.url, labels: {} }]), pods });
    const err = await only.create({ probe: 'tcpretrans', durationMs: 1000, params: { container: 'web' } }).catch((e: FleetProblem) => e);
    expect(err).toBeInstanceOf(FleetProblem);
    expect(err).toMatchObject({ status: 422, type: 'no-agents', message: 'container web: shop/web-0, shop/web-1 on nodes w1, w3, where no selected agent runs' });
  });
});

describe('remote addresses named by pod and by Service', () => {
  const api = new FakeKubeApi(
    [
      { uid: WEB0, name: 'web-0', namespace: 'shop', node: 'w1', ips: ['10.244.1.5'], containers: [{ name: 'web', containerID: `containerd://${'a'.repeat(64)}` }] },
      { uid: DB0, name: 'db-0', namespace: 'shop', node: 'w2', ips: ['10.244.2.9'], hostIps: ['192.168.0.12'], containers: [{ name: 'pg', containerID: `cri-o://${'b'.repeat(64)}` }] },
    ],
    [
      { uid: 'a1111111-1111-4111-8111-111111111111', name: 'db', namespace: 'shop', clusterIPs: ['10.96.40.2'], ports: [{ port: 5432, name: 'pg' }] },
      { uid: 'a2222222-2222-4222-8222-222222222222', name: 'edge', namespace: 'ingress', type: 'LoadBalancer', clusterIPs: ['10.96.0.80'], loadBalancerIPs: ['203.0.113.7'], ports: [{ port: 443, nodePort: 31443 }] },
      { uid: 'a3333333-3333-4333-8333-333333333333', name: 'edge-dns', namespace: 'ingress', type: 'LoadBalancer', clusterIPs: ['10.96.0.53'], loadBalancerIPs: ['203.0.113.7'], ports: [{ port: 53 }] },
    ],
  );
  let pods: PodCache;
  let services: ServiceCache;
  let agents: FakeAgent[];
  beforeAll(async () => {
    await api.start();
    pods = new PodCache({ api: { apiUrl: api.url } }).start();
    services = new ServiceCache({ api: { apiUrl: api.url } }).start();
    await Promise.all([pods.ready(), services.ready()]);
    agents = await Promise.all([
      agent('w1', [
        { family: 4, laddr: '10.244.1.5', lport: 51000, raddr: '10.96.40.2', rport: 5432, cgroup: '42', owner: owner('web-0', 'web', WEB0), retransmits: 4 },
        { family: 4, laddr: '10.244.1.5', lport: 51001, raddr: '203.0.113.7', rport: 443, cgroup: '42', owner: owner('web-0', 'web', WEB0), retransmits: 1 },
        { family: 4, laddr: '10.244.1.5', lport: 51002, raddr: '203.0.113.7', rport: 8443, cgroup: '42', owner: owner('web-0', 'web', WEB0), retransmits: 1 },
        // node w2's address (db-0's status.hostIPs): at edge's node port, and at a port no Service holds
        { family: 4, laddr: '10.244.1.5', lport: 51003, raddr: '192.168.0.12', rport: 31443, cgroup: '42', owner: owner('web-0', 'web', WEB0), retransmits: 1 },
        { family: 4, laddr: '10.244.1.5', lport: 51004, raddr: '192.168.0.12', rport: 22, cgroup: '42', owner: owner('web-0', 'web', WEB0), retransmits: 1 },
      ]),
      agent('w2', [
        { family: 4, laddr: '10.244.2.9', lport: 5432, raddr: '10.244.1.5', rport: 51000, cgroup: '43', owner: owner('db-0', 'pg', DB0), retransmits: 2 },
        { family: 4, laddr: '10.244.2.9', lport: 5432, raddr: '198.51.100.20', rport: 40000, cgroup: '43', owner: owner('db-0', 'pg', DB0), retransmits: 1 },
        // an address that is no node's, at edge's node port: not the Service
        { family: 4, laddr: '10.244.2.9', lport: 40001, raddr: '198.51.100.21', rport: 31443, cgroup: '43', owner: owner('db-0', 'pg', DB0), retransmits: 1 },
      ]),
    ]);
  });
  afterAll(async () => {
    await pods.stop();
    await services.stop();
    await api.close();
    for (const a of agents) a.server.close();
  });

  it("a merged result names a Service's ClusterIP remoteService, a pod IP remotePod, an unknown address neither", async () => {
    const coord = new Coordinator({ discovery: staticDiscovery(agents.map((a) => ({ node: a.node, url: a.url, labels: {} }))), pods, services });
    const job = await coord.create({ probe: 'tcpretrans', durationMs: 1000, params: {} });
    let done = (await coord.get(job.id))!;
    for (let i = 0; i < 50 && !done.endedAt; i++) {
      await new Promise((r) => setTimeout(r, 20));
      done = (await coord.get(job.id))!;
    }
    const flows = (done.result!.data as { flows: Array<Record<string, unknown>> }).flows;
    const by = (raddr: string, rport: number) => flows.find((f) => f.raddr === raddr && f.rport === rport)!;
    expect(flows).toHaveLength(8);
    expect(by('10.96.40.2', 5432)).toMatchObject({ remoteService: 'shop/db', owner: { pod: 'web-0' } });
    expect(by('10.96.40.2', 5432).remotePod).toBeUndefined();
    expect(by('10.244.1.5', 51000)).toMatchObject({ remotePod: 'shop/web-0', owner: { pod: 'db-0' } });
    expect(by('10.244.1.5', 51000).remoteService).toBeUndefined();
    // a load-balancer IP two Services share: the port says which, and a port neither serves names none
    expect(by('203.0.113.7', 443).remoteService).toBe('ingress/edge');
    expect(by('203.0.113.7', 8443).remoteService).toBeUndefined();
    // a node's address at a Service's node port is that Service; at another port, or another address, none
    expect(by('192.168.0.12', 31443)).toMatchObject({ remoteService: 'ingress/edge' });
    expect(by('192.168.0.12', 31443).remotePod).toBeUndefined();
    expect(by('192.168.0.12', 22).remoteService).toBeUndefined();
    expect(by('198.51.100.21', 31443).remoteService).toBeUndefined();
    const unknown = by('198.51.100.20', 40000);
    expect(unknown.remotePod).toBeUndefined();
    expect(unknown.remoteService).toBeUndefined();
  });

  it('nameRemotes counts what it named, looks each address up once, skips owners and stops at its depth bound', () => {
    let lookups = 0;
    const counted = new Proxy(services, { get: (t, k) => (k === 'byIp' ? (ip: string, port?: number) => (lookups++, t.byIp(ip, port)) : Reflect.get(t, k)) });
    const deep: Record<string, unknown> = { raddr: '10.96.40.2' };
    let nest: Record<string, unknown> = deep;
    for (let i = 0; i < 12; i++) nest = { x: nest };
    const data = {
      rows: [
        { raddr: '10.96.40.2', rport: 5432 },
        { raddr: '10.96.40.2', rport: 5432 },
        { raddr: '10.244.2.9', owner: { raddr: '10.96.0.80' } },
        { raddr: 7 },
      ],
      nest,
    };
    expect(nameRemotes(data, { pods, services: counted })).toEqual({ pods: 1, services: 2 });
    expect(lookups).toBe(2); // 10.96.40.2:5432 once, 10.244.2.9 once
    expect(data.rows[2]).toEqual({ raddr: '10.244.2.9', remotePod: 'shop/db-0', owner: { raddr: '10.96.0.80' } });
    expect(deep.remoteService).toBeUndefined();
    expect(nameRemotes(data, {})).toEqual({ pods: 0, services: 0 });
  });
});
