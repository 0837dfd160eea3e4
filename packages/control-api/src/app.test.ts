import { release } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { jobHooks } from './hooks.js';
import { JobStore } from './store.js';
import { FakeCatalog, FakeRunner } from '../test/support/fakes.js';
import { postJob, testApp, type TestApp } from '../test/support/helpers.js';
import { VERSION } from './version.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.runner.close();
  t?.store.close();
  t = undefined;
});

describe('probes', () => {
  it('lists the catalogue with params JSON schema and availability', async () => {
    t = testApp();
    const res = await t.app.request('/v1/probes');
    expect(res.status).toBe(200);
    const { probes } = (await res.json()) as { probes: Array<Record<string, unknown>> };
    expect(probes.map((p) => p.name)).toEqual(['tcprtt', 'tcpdrop']);
    expect(probes[0]).toMatchObject({ name: 'tcprtt', version: '0.1.0', output: 'histogram', available: true, variant: 'tp_btf', packageName: '@sonde/probes-tcprtt' });
    const schema = probes[0]?.paramsSchema as { type: string; properties: Record<string, unknown> };
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toEqual(['lport', 'rport', 'laddr', 'raddr', 'milliseconds', 'byRemote']);
    expect(probes[1]).toMatchObject({ available: false, reason: 'needs kprobe tcp_drop, which this kernel does not build in' });
  });

  it('GET /v1/probes/{name}, 404 unknown-probe for a missing one', async () => {
    t = testApp();
    expect(((await (await t.app.request('/v1/probes/tcprtt')).json()) as { name: string }).name).toBe('tcprtt');
    const res = await t.app.request('/v1/probes/nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toEqual({
      type: 'https://sonde.dev/problems/unknown-probe',
      title: 'Unknown probe',
      status: 404,
      detail: "no probe named 'nope'",
      instance: '/v1/probes/nope',
      probe: 'nope',
    });
  });
});

describe('health and docs', () => {
  it('GET /healthz counts running jobs', async () => {
    t = testApp();
    await postJob(t.app, { probe: 'tcprtt', durationMs: 30_000 });
    const res = await t.app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', uptimeS: 0, running: 1, version: VERSION, kernel: release() });
  });

  it('GET /openapi.json is an OpenAPI 3.1 document of every route with named components', async () => {
    t = testApp();
    const res = await t.app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'sonde', version: VERSION });
    expect(Object.keys(doc.paths).sort()).toEqual(
      expect.arrayContaining(['/healthz', '/v1/jobs', '/v1/jobs/{id}', '/v1/jobs/{id}/events', '/v1/probes', '/v1/probes/{name}']),
    );
    expect(Object.keys(doc.paths['/v1/jobs'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/jobs/{id}'] ?? {}).sort()).toEqual(['delete', 'get']);
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Problem', 'Job', 'JobList', 'JobStatus', 'CreateJob', 'ProbeInfo', 'ProbeList', 'ResultEnvelope', 'Health']),
    );
    const post = doc.paths['/v1/jobs']?.post as { responses: Record<string, { content: Record<string, unknown> }> };
    expect(Object.keys(post.responses).sort()).toEqual(['202', '400', '401', '403', '404', '413', '415', '422', '429']);
    expect(Object.keys(post.responses['429']?.content ?? {})).toEqual(['application/problem+json']);
  });

  it('GET /docs serves Swagger UI pointing at /openapi.json', async () => {
    t = testApp();
    const res = await t.app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/\/openapi\.json/);
  });
});

describe('errors', () => {
  it('unknown routes are problem+json 404', async () => {
    t = testApp();
    const res = await t.app.request('/v2/nothing', { method: 'PUT' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ type: 'https://sonde.dev/problems/not-found', detail: 'route PUT /v2/nothing not found' });
  });

  it('an unexpected error is a 500 problem that leaks neither message nor stack', async () => {
    const store = new JobStore(':memory:');
    const catalog = new FakeCatalog();
    catalog.list = () => {
      throw new Error('ENOENT /secret/path/manifest.json');
    };
    const runner = new FakeRunner({ hooks: jobHooks(store) });
    const app = createApp({ catalog, runner, store });
    const err = console.error;
    console.error = () => {};
    try {
      const res = await app.request('/v1/probes');
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const text = await res.text();
      expect(text).not.toMatch(/secret|ENOENT|at /);
      expect(JSON.parse(text)).toMatchObject({ type: 'https://sonde.dev/problems/internal', status: 500 });
    } finally {
      console.error = err;
      store.close();
    }
  });
});
