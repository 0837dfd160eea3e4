/** The coordinator's API over fake agents (small HTTP servers answering like the agent). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { log2Histogram, mergeHistograms } from '@sonde/probe-sdk';
import { staticDiscovery, type Agent } from './agents.js';
import { createFleetApp, fleetOpenApi } from './app.js';
import { Coordinator } from './coordinator.js';

interface Fake {
  url: string;
  server: http.Server;
  auth: string[];
  stopped: string[];
}

const hist = (slots: number[]) => log2Histogram(slots, { unit: 'usecs' });

/** an agent whose jobs are running when started and succeeded when next asked with a histogram result */
async function fakeAgent(slots: number[], opts: { reject?: number } = {}): Promise<Fake> {
  const gets = new Map<string, number>();
  const auth: string[] = [];
  const stopped: string[] = [];
  let n = 0;
  const job = (id: string, status: string) => ({
    id,
    probe: 'tcprtt',
    probeVersion: '0.1.0',
    params: { lport: [80] },
    durationMs: 1000,
    status,
    createdAt: new Date().toISOString(),
    attachedAt: new Date().toISOString(),
    endedAt: status === 'running' ? null : new Date().toISOString(),
    variant: 'tp_btf',
    error: null,
    result:
      status === 'running'
        ? null
        : {
            jobId: id, probe: 'tcprtt', probeVersion: '0.1.0', params: { lport: [80] }, host: { hostname: 'h', kernel: '6.18' }, variant: 'tp_btf',
            startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000, stoppedBy: status === 'stopped' ? 'cancel' : 'deadline',
            kind: 'histogram', data: { unit: 'usecs', by: 'none', histograms: [{ key: null, hist: hist(slots) }], total: hist(slots) },
            stats: { events: 0, lost: 0, dropped: 0, truncated: false }, warnings: [],
          },
  });
  const server = http.createServer((req, res) => {
    auth.push(String(req.headers.authorization));
    const send = (code: number, body: unknown, type = 'application/json') => res.writeHead(code, { 'content-type': type }).end(JSON.stringify(body));
    if (req.method === 'POST' && req.url === '/v1/jobs') {
      if (opts.reject) return send(opts.reject, { type: 'https://sonde.dev/problems/probe-unavailable-on-this-kernel', title: 'x', status: opts.reject, detail: 'no BTF here' }, 'application/problem+json');
      const id = `j_${++n}`;
      gets.set(id, 0);
      return send(202, job(id, 'running'));
    }
    const m = /^\/v1\/jobs\/(j_\d+)$/.exec(req.url ?? '');
    if (m && gets.has(m[1]!)) {
      const id = m[1]!;
      if (req.method === 'DELETE') {
        stopped.push(id);
        return send(202, job(id, 'stopped'));
      }
      const k = gets.get(id)! + 1;
      gets.set(id, k);
      return send(200, job(id, stopped.includes(id) ? 'stopped' : k >= 1 ? 'succeeded' : 'running'));
    }
    if (req.url === '/v1/probes') return send(200, { probes: [{ name: 'tcprtt', version: '0.1.0', available: !opts.reject, ...(opts.reject ? { reason: 'no BTF' } : { variant: 'tp_btf' }), summary: '', output: 'histogram', paramsSchema: {}, packageName: 'p' }] });
    send(404, { detail: 'nope' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, auth, stopped };
}

describe('fleet API over fake agents', () => {
  let a: Fake, b: Fake, c: Fake;
  let agents: Agent[];
  beforeAll(async () => {
    [a, b, c] = await Promise.all([fakeAgent([0, 3, 1]), fakeAgent([1, 0, 0, 2]), fakeAgent([], { reject: 422 })]);
    agents = [
      { node: 'a', url: a.url, labels: { zone: 'x' } },
      { node: 'b', url: b.url, labels: { zone: 'y' } },
      { node: 'c', url: c.url, labels: { zone: 'y' } },
    ];
  });
  afterAll(() => Promise.all([a, b, c].map((f) => new Promise((r) => f.server.close(r)))));

  const app = () => createFleetApp(new Coordinator({ discovery: staticDiscovery(agents), token: 'agent-token-0123456789' }));
  const post = (ap: ReturnType<typeof app>, body: unknown) =>
    ap.request('/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('fans out, reports the node that refused, merges the rest when all ended', async () => {
    const ap = app();
    const r = await post(ap, { probe: 'tcprtt', durationMs: 1000, params: { lport: 80 } });
    expect(r.status).toBe(202);
    const job = (await r.json()) as any;
    expect(job.nodes.map((n: any) => [n.node, n.status])).toEqual([['a', 'running'], ['b', 'running'], ['c', 'failed']]);
    expect(job.nodes[2].error).toBe('start: HTTP 422 probe-unavailable-on-this-kernel: no BTF here');
    expect(a.auth.at(-1)).toBe('Bearer agent-token-0123456789');
    const done = (await (await ap.request(`/v1/jobs/${job.id}`)).json()) as any;
    expect(done).toMatchObject({ status: 'succeeded', partial: true });
    expect(done.result.data.total).toEqual(mergeHistograms([hist([0, 3, 1]), hist([1, 0, 0, 2])]));
    expect(done.result.data.total.buckets.map((x: any) => x.count)).toEqual([1, 3, 1, 2]);
    expect(done.result.warnings).toEqual(['c: no result (failed: start: HTTP 422 probe-unavailable-on-this-kernel: no BTF here)']);
    const list = (await (await ap.request('/v1/jobs?status=succeeded')).json()) as any;
    expect(list.jobs.map((j: any) => j.id)).toEqual([job.id]);
  });

  it('every agent refusing alike is that problem; a bad selector is 400; no match is 422', async () => {
    const ap = app();
    const r = await post(ap, { probe: 'tcprtt', durationMs: 1000, params: {}, nodes: ['c'] });
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(await r.json()).toMatchObject({ type: 'https://sonde.dev/problems/probe-unavailable-on-this-kernel', detail: 'no BTF here', nodes: [{ node: 'c', status: 'failed' }] });
    expect((await post(ap, { probe: 'tcprtt', params: {}, selector: 'zone>1' })).status).toBe(400);
    const none = await post(ap, { probe: 'tcprtt', params: {}, selector: 'zone=nowhere' });
    expect(none.status).toBe(422);
    expect(((await none.json()) as any).type).toMatch(/no-agents$/);
    expect((await post(ap, { probe: 'tcprtt', durationMs: 5 })).status).toBe(400); // the agent's own schema
  });

  it('a body over 64 KiB is a 413 problem and reaches no agent', async () => {
    const ap = app();
    const before = a.auth.length;
    const r = await post(ap, { probe: 'tcprtt', params: {}, selector: 'x'.repeat(70_000) });
    expect(r.status).toBe(413);
    expect(await r.json()).toMatchObject({ type: 'https://sonde.dev/problems/payload-too-large', status: 413 });
    expect(a.auth.length).toBe(before);
  });

  it('stop reaches every running node', async () => {
    const ap = app();
    const job = (await (await post(ap, { probe: 'tcprtt', params: {}, selector: 'zone=y' })).json()) as any;
    const r = await ap.request(`/v1/jobs/${job.id}`, { method: 'DELETE' });
    expect(r.status).toBe(202);
    const stopped = (await r.json()) as any;
    expect(stopped.status).toBe('stopped');
    expect(b.stopped).toContain(stopped.nodes[0].jobId);
    expect((await ap.request(`/v1/jobs/${job.id}`, { method: 'DELETE' })).status).toBe(409);
    expect((await ap.request('/v1/jobs/f_nope')).status).toBe(404);
  });

  it('probes: union with per-node availability, intersection keeps what runs everywhere', async () => {
    const ap = app();
    const u = (await (await ap.request('/v1/probes')).json()) as any;
    expect(u.probes[0]).toMatchObject({ name: 'tcprtt', available: false, availableOn: 2, reason: 'not on every node: no BTF' });
    expect(u.probes[0].nodes.map((n: any) => [n.node, n.available])).toEqual([['a', true], ['b', true], ['c', false]]);
    const i = (await (await ap.request('/v1/probes?match=intersection')).json()) as any;
    expect(i.probes).toEqual([]);
  });

  it('discovery failure is a 503; the OpenAPI document has the agent routes plus nodes', async () => {
    const broken = createFleetApp(new Coordinator({ discovery: { kind: 'endpointslices', agents: async () => Promise.reject(new Error('Kubernetes API 403: forbidden')) } }));
    const r = await post(broken, { probe: 'tcprtt', params: {} });
    expect(r.status).toBe(503);
    expect(((await r.json()) as any).detail).toMatch(/forbidden/);
    const doc = fleetOpenApi(app()) as any;
    expect(Object.keys(doc.paths).sort()).toEqual(['/healthz', '/v1/jobs', '/v1/jobs/{id}', '/v1/probes']);
    // the agent's Job, plus nodes, partial and (pod-selected jobs) placement
    expect(doc.components.schemas.FleetJob.allOf[0]).toEqual({ $ref: '#/components/schemas/Job' });
    expect(Object.keys(doc.components.schemas.FleetJob.allOf[1].properties)).toEqual(['nodes', 'partial', 'placement']);
    expect(doc.components.schemas.FleetCreateJob.allOf[0]).toEqual({ $ref: '#/components/schemas/CreateJob' });
    expect(doc.components.schemas.ResultEnvelope).toBeDefined();
  });

  it('tokens: none → 401, viewer cannot start jobs', async () => {
    const ap = createFleetApp(new Coordinator({ discovery: staticDiscovery(agents) }), {
      tokens: [{ name: 'v', role: 'viewer', token: 'viewer-token-0123456789' }],
    });
    expect((await ap.request('/v1/jobs')).status).toBe(401);
    expect((await ap.request('/v1/jobs', { headers: { authorization: 'Bearer viewer-token-0123456789' } })).status).toBe(200);
    const r = await ap.request('/v1/jobs', { method: 'POST', headers: { authorization: 'Bearer viewer-token-0123456789', 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(403);
  });
});
