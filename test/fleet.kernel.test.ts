/**
 * The fleet coordinator against real agents: three agents (the built server), each in its own
 * network namespace with its own data dir and address, each running a real tcprtt job while the
 * test makes traffic inside that namespace. The coordinator (`sonde serve --fleet`) finds them once
 * through the static list and once through a fake EndpointSlice API served here; one agent is
 * killed mid-job. The merged histogram must equal the bucket-wise sum of the agents' own results.
 *
 * One machine, one kernel: a tracepoint sees every namespace's sockets, so each agent's tcprtt
 * counts the traffic of all three namespaces (on a cluster each agent sees its own node). That does
 * not weaken the check: the merge is compared with what each agent itself answered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mergeHistograms, type Histogram } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from './support/kernel.js';
import { netnsHosts, type NetnsHosts } from './support/netns-hosts.js';

const AGENT_MAIN = new URL('../packages/control-api/dist/main.js', import.meta.url).pathname;
const CLI_MAIN = new URL('../packages/cli/dist/main.js', import.meta.url).pathname;
const TOKEN = 'fleet-test-token-0123456789';
const PORT = 7070;
const TRAFFIC_PORT = 9471;

/** inside a namespace: an echo server and 3 ping-pong connections on loopback for `ms` */
const TRAFFIC = `
const net = require('node:net');
const [port, ms] = process.argv.slice(1).map(Number);
const srv = net.createServer((s) => { s.on('data', (d) => s.write(d)); s.on('error', () => {}); });
srv.listen(port, '127.0.0.1', () => {
  let open = 3, rounds = 0; const until = Date.now() + ms;
  for (let i = 0; i < 3; i++) {
    const c = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => c.write('x'.repeat(64)));
    let got = 0;
    c.on('data', (d) => { got += d.length; while (got >= 64) { got -= 64; rounds++;
      if (Date.now() > until || rounds > 30000) { c.destroy(); if (--open === 0) { console.log(rounds); process.exit(0); } return; }
      c.write('x'.repeat(64)); } });
  }
});`;

interface Agent {
  node: string;
  url: string;
  ns: string;
  dataDir: string;
  proc: ChildProcess;
  log: () => string;
}

const procs: ChildProcess[] = [];
const dirs: string[] = [];

async function waitHealthy(url: string, proc: ChildProcess, log: () => string, headers: Record<string, string> = {}): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`exited ${proc.exitCode}: ${log()}`);
    try {
      if ((await fetch(`${url}/healthz`, { headers })).ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > until) throw new Error(`${url} did not come up: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function capture(proc: ChildProcess): () => string {
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  return () => out;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startCoordinator(env: Record<string, string>): Promise<{ url: string; proc: ChildProcess; log: () => string }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [CLI_MAIN, 'serve', '--fleet', '--host', '127.0.0.1', '--port', String(port)], {
    env: { ...process.env, SONDE_TOKENS: '', SONDE_FLEET_TOKEN: TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(proc);
  const log = capture(proc);
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, proc, log);
  return { url, proc, log };
}

const getJson = async (url: string, headers: Record<string, string> = {}) => {
  const r = await fetch(url, { headers });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as any;
};

async function waitFleet(url: string, id: string, until: (job: any) => boolean, ms = 60_000): Promise<any> {
  const end = Date.now() + ms;
  for (;;) {
    const job = await getJson(`${url}/v1/jobs/${id}`);
    if (until(job)) return job;
    if (Date.now() > end) throw new Error(`fleet job ${id} stuck: ${JSON.stringify(job.nodes)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** a fleet tcprtt job with traffic in every namespace once every node has attached */
async function runFleetJob(coord: string, hosts: NetnsHosts, durationMs: number, during?: () => Promise<void>): Promise<any> {
  const r = await fetch(`${coord}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ probe: 'tcprtt', durationMs, params: { lport: TRAFFIC_PORT } }),
  });
  const created = (await r.json()) as any;
  expect(r.status, JSON.stringify(created)).toBe(202);
  expect(r.headers.get('location')).toBe(`/v1/jobs/${created.id}`);
  await waitFleet(coord, created.id, (j) => j.nodes.every((n: any) => n.status === 'running'));
  const traffic = hosts.hosts.map((h) => {
    const p = h.spawn([process.execPath, '-e', TRAFFIC, String(TRAFFIC_PORT), String(durationMs - 1500)]);
    procs.push(p);
    return new Promise<void>((resolve) => p.once('exit', () => resolve()));
  });
  await during?.();
  await Promise.all(traffic);
  return waitFleet(coord, created.id, (j) => j.endedAt !== null);
}

/** bucket-wise sum, by hand: what the merge must equal */
function bucketSum(hs: Histogram[]): number[] {
  const out: number[] = [];
  for (const h of hs) h.buckets.forEach((b, i) => (out[i] = (out[i] ?? 0) + b.count));
  return out;
}

async function checkMerged(job: any, agents: Agent[]): Promise<void> {
  const own = await Promise.all(
    job.nodes
      .filter((n: any) => n.status === 'succeeded')
      .map(async (n: any) => {
        const a = agents.find((x) => x.url === n.url)!;
        return (await getJson(`${a.url}/v1/jobs/${n.jobId}`, { authorization: `Bearer ${TOKEN}` })).result;
      }),
  );
  expect(own.length).toBeGreaterThan(0);
  const totals = own.map((r: any) => r.data.histograms[0].hist as Histogram);
  const merged = job.result.data.histograms[0].hist as Histogram;
  expect(merged.buckets.map((b) => b.count)).toEqual(bucketSum(totals));
  expect(merged.count).toBe(totals.reduce((a, h) => a + h.count, 0));
  expect(merged.sum).toBe(totals.reduce((a, h) => a + h.sum, 0));
  expect(merged).toEqual(mergeHistograms(totals)); // percentiles recomputed over the sum
  expect(job.result.data.total).toEqual(mergeHistograms(own.map((r: any) => r.data.total)));
  expect(merged.count).toBeGreaterThan(100); // real traffic was measured
}

describeKernel('fleet coordinator over agents in network namespaces', () => {
  let hosts: NetnsHosts;
  const agents: Agent[] = [];

  beforeAll(async () => {
    hosts = netnsHosts(3);
    for (const [i, h] of hosts.hosts.entries()) {
      const dataDir = mkdtempSync(join(tmpdir(), `sonde-fleet-${i}-`));
      dirs.push(dataDir);
      const proc = h.spawn([process.execPath, AGENT_MAIN], {
        env: { ...process.env, SONDE_HOST: h.ip, SONDE_PORT: String(PORT), SONDE_DATA_DIR: dataDir, SONDE_TOKENS: `fleet:operator:${TOKEN}` },
      });
      procs.push(proc);
      const log = capture(proc);
      agents.push({ node: `node-${i}`, url: `http://${h.ip}:${PORT}`, ns: h.ns, dataDir, proc, log });
    }
    await Promise.all(agents.map((a) => waitHealthy(a.url, a.proc, a.log)));
  }, 90_000);

  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once('exit', r)) : null)));
    hosts?.destroy();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    expect(await programsLeft(3000)).toEqual([]);
  }, 60_000);

  it('static list: fans out to every agent, merges, and selects by label', async () => {
    const spec = agents.map((a, i) => `${a.url};node=${a.node};zone=${i === 0 ? 'a' : 'b'}`).join(',');
    const coord = await startCoordinator({ SONDE_FLEET_AGENTS: spec });

    const probes = await getJson(`${coord.url}/v1/probes`);
    const tcprtt = probes.probes.find((p: any) => p.name === 'tcprtt');
    expect(tcprtt).toMatchObject({ available: true, availableOn: 3 });
    expect(probes.nodes.map((n: any) => n.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);

    const job = await runFleetJob(coord.url, hosts, 3000);
    expect(job.status).toBe('succeeded');
    expect(job.partial).toBe(false);
    expect(job.nodes.map((n: any) => [n.node, n.status])).toEqual(agents.map((a) => [a.node, 'succeeded']));
    expect(job.result.kind).toBe('histogram');
    await checkMerged(job, agents);

    // a label-selected subset: zone=b is the two last agents
    const r = await fetch(`${coord.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ probe: 'tcprtt', durationMs: 300, params: {}, selector: 'zone=b' }),
    });
    const sub = (await r.json()) as any;
    expect(r.status).toBe(202);
    expect(sub.nodes.map((n: any) => n.node)).toEqual(['node-1', 'node-2']);
    const done = await waitFleet(coord.url, sub.id, (j) => j.endedAt !== null);
    expect(done.status).toBe('succeeded');

    // bad params are every agent's 400, answered as one problem
    const bad = await fetch(`${coord.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ probe: 'tcprtt', durationMs: 300, params: { lport: 'x' } }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).nodes).toHaveLength(3);
  }, 120_000);

  it('events: tcpconnect events concatenated and tagged with their node, totals summed', async () => {
    const spec = agents.map((a) => `${a.url};node=${a.node}`).join(',');
    const coord = await startCoordinator({ SONDE_FLEET_AGENTS: spec });
    const r = await fetch(`${coord.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ probe: 'tcpconnect', durationMs: 2500, params: { rport: TRAFFIC_PORT } }),
    });
    const created = (await r.json()) as any;
    expect(r.status, JSON.stringify(created)).toBe(202);
    await waitFleet(coord.url, created.id, (j) => j.nodes.every((n: any) => n.status === 'running'));
    await Promise.all(
      hosts.hosts.map((h) => {
        const p = h.spawn([process.execPath, '-e', TRAFFIC, String(TRAFFIC_PORT), '300']);
        procs.push(p);
        return new Promise<void>((resolve) => p.once('exit', () => resolve()));
      }),
    );
    const job = await waitFleet(coord.url, created.id, (j) => j.endedAt !== null);
    expect(job.status).toBe('succeeded');
    expect(job.result.kind).toBe('events');
    const own = await Promise.all(
      job.nodes.map(async (n: any) => ({ node: n.node, r: (await getJson(`${n.url}/v1/jobs/${n.jobId}`, { authorization: `Bearer ${TOKEN}` })).result })),
    );
    const merged = job.result.data;
    // 3 namespaces x 3 connects, seen by every agent (one kernel)
    for (const { r: res } of own) expect(res.data.events.length).toBeGreaterThanOrEqual(9);
    expect(merged.events).toHaveLength(own.reduce((a, { r: res }) => a + res.data.events.length, 0));
    expect(merged.totals.connects).toBe(own.reduce((a, { r: res }) => a + res.data.totals.connects, 0));
    for (const { node, r: res } of own) {
      const mine = merged.events.filter((e: any) => e.node === node).map(({ node: _n, ...e }: any) => e);
      // the merge puts every node's events on one wall-clock timeline (a stable sort by time): a node's own
      // list is in ring-buffer order, which may differ by a millisecond's rounding
      const byTime = [...res.data.events].sort((x: any, y: any) => (x.time < y.time ? -1 : x.time > y.time ? 1 : 0));
      expect(mine).toEqual(byTime);
    }
    const times = merged.events.map((e: any) => e.time);
    expect(times).toEqual([...times].sort());
    expect(merged.events.every((e: any) => e.rport === TRAFFIC_PORT)).toBe(true);
  }, 120_000);

  it('EndpointSlice discovery; an agent killed mid-job is reported failed, the rest merged', async () => {
    const tokenFile = join(dirs[0]!, 'sa-token');
    writeFileSync(tokenFile, 'fake-sa-token\n');
    const seen: string[] = [];
    const api = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      if (!req.url?.startsWith('/apis/discovery.k8s.io/v1/namespaces/sonde/endpointslices')) {
        res.writeHead(404).end('{"kind":"Status","message":"not found"}');
        return;
      }
      const endpoints = hosts.hosts.map((h, i) => ({
        addresses: [h.ip],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: `node-${i}`,
        zone: 'test-zone',
        targetRef: { kind: 'Pod', namespace: 'sonde', name: `sonde-agent-${i}` },
      }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          kind: 'EndpointSliceList',
          apiVersion: 'discovery.k8s.io/v1',
          items: [{ kind: 'EndpointSlice', metadata: { name: 'sonde-agents-x1', labels: { 'kubernetes.io/service-name': 'sonde-agents' } }, addressType: 'IPv4', ports: [{ name: 'http', port: PORT, protocol: 'TCP' }], endpoints }],
        }),
      );
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    try {
      const apiUrl = `http://127.0.0.1:${(api.address() as net.AddressInfo).port}`;
      const coord = await startCoordinator({
        SONDE_FLEET_SERVICE: 'sonde-agents',
        SONDE_FLEET_NAMESPACE: 'sonde',
        SONDE_FLEET_K8S_API: apiUrl,
        SONDE_FLEET_K8S_TOKEN_FILE: tokenFile,
        // this API serves EndpointSlices only: no pod watch (pod placement: packages/fleet/src/placement.test.ts)
        SONDE_FLEET_PODS: 'off',
      });
      const health = await getJson(`${coord.url}/healthz`);
      expect(health).toMatchObject({ mode: 'fleet', discovery: 'endpointslices', agents: 3 });
      expect(seen[0]).toBe('GET /apis/discovery.k8s.io/v1/namespaces/sonde/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dsonde-agents Bearer fake-sa-token');

      const victim = agents[2]!;
      const job = await runFleetJob(coord.url, hosts, 4000, async () => {
        await new Promise((r) => setTimeout(r, 1000));
        victim.proc.kill('SIGKILL');
      });
      expect(job.status).toBe('succeeded');
      expect(job.partial).toBe(true);
      const byNode = Object.fromEntries(job.nodes.map((n: any) => [n.node, n]));
      expect(byNode['node-0'].status).toBe('succeeded');
      expect(byNode['node-1'].status).toBe('succeeded');
      expect(byNode['node-2'].status).toBe('failed');
      expect(byNode['node-2'].error).toMatch(/^poll: ECONNREFUSED/);
      expect(byNode['node-2'].jobId).toMatch(/^j_/);
      expect(byNode['node-0'].labels).toMatchObject({ 'kubernetes.io/hostname': 'node-0', 'topology.kubernetes.io/zone': 'test-zone' });
      expect(job.result.warnings.some((w: string) => w.startsWith('node-2: no result (failed'))).toBe(true);
      expect(job.result.host.hostname).toBe('fleet:node-0,node-1');
      await checkMerged(job, agents);
    } finally {
      await new Promise((r) => api.close(r));
    }
  }, 120_000);
});
