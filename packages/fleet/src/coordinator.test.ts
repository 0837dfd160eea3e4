/**
 * The coordinator's job requests against real agent apps (control-api over its test runner, served
 * on loopback): what an agent gets is the job request the agents' job service checks, `export` included.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, waitStatus, type TestApp } from '../../control-api/test/support/helpers.js';
import { staticDiscovery } from './agents.js';
import { createFleetApp } from './app.js';
import { Coordinator } from './coordinator.js';

interface Agent {
  t: TestApp;
  server: ServerType;
  url: string;
}

async function agent(): Promise<Agent> {
  // one OTLP destination on a port nobody listens on: the export is recorded, and fails, on the agent
  const t = testApp({ timeScale: 0.01 }, ':memory:', {}, { destinations: [{ name: 'collector', endpoint: 'http://127.0.0.1:9', headers: {}, timeoutMs: 200, default: true }] });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  return { t, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('fleet job requests', () => {
  let a: Agent, b: Agent;
  const coordinator = () => new Coordinator({ discovery: staticDiscovery([{ node: 'a', url: a.url, labels: {} }, { node: 'b', url: b.url, labels: {} }]) });
  const post = (body: unknown) =>
    createFleetApp(coordinator()).request('/v1/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    [a, b] = await Promise.all([agent(), agent()]);
  });
  afterAll(async () => {
    for (const x of [a, b]) {
      await x.t.runner.close();
      await x.t.otlp.idle(5000);
      await new Promise((r) => x.server.close(r));
      x.t.store.close();
    }
  });

  it("sends each agent the job request without the coordinator's keys, export included", async () => {
    const res = await post({ probe: 'tcprtt', durationMs: 1000, params: { rport: 443 }, export: { otlp: 'collector' }, selector: 'x!=y' });
    expect(res.status).toBe(202);
    const job = (await res.json()) as { nodes: Array<{ node: string; jobId: string }> };
    for (const [n, x] of [[job.nodes[0]!, a], [job.nodes[1]!, b]] as const) {
      expect(x.t.runner.started.map((s) => s.id)).toContain(n.jobId);
      const ended = await waitStatus(x.t.store, n.jobId, 'succeeded');
      expect(ended.params).toEqual({ rport: 443, milliseconds: false, byRemote: false });
      // the agent took the export: its result says where it went
      expect((ended.result as unknown as { export?: { otlp: { destination: string } } }).export?.otlp.destination).toBe('collector');
    }
  });

  it("an export the agents do not know is every agent's 400, answered as theirs", async () => {
    const res = await post({ probe: 'tcprtt', durationMs: 1000, export: { otlp: 'elsewhere' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'https://sonde.dev/problems/bad-params', errors: [{ field: 'export.otlp' }] });
  });

  it('a request the job service refuses reaches no agent (Coordinator.create called directly)', async () => {
    const before = a.t.runner.started.length + b.t.runner.started.length;
    await expect(coordinator().create({ probe: 'tcprtt', durationMs: 5, params: {} })).rejects.toMatchObject({
      type: 'bad-params',
      details: { issues: [{ field: 'durationMs', message: expect.stringMatching(/100/) }] },
    });
    expect(a.t.runner.started.length + b.t.runner.started.length).toBe(before);
  });
});
