import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { AuditLog } from './audit.js';
import type { AuthOptions } from './auth.js';
import { jobHooks } from './hooks.js';
import { JobStore } from './store.js';
import { FakeCatalog, FakeRunner } from '../test/support/fakes.js';
import { waitStatus } from '../test/support/helpers.js';

const OPER = 'operator-token-0123456789abcd';
const tokens = [{ name: 'ci', role: 'operator' as const, token: OPER }];

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup) await f();
  cleanup = [];
});

function make(auth?: AuthOptions, maxRunning = 8) {
  const store = new JobStore(':memory:');
  const runner = new FakeRunner({ hooks: jobHooks(store), maxRunning, timeScale: 0.05 });
  const audit = new AuditLog(null, null, true);
  const app = createApp({ catalog: new FakeCatalog(), runner, store, audit, ...(auth ? { auth } : {}) });
  cleanup.push(async () => {
    await runner.close();
    store.close();
  });
  const post = (body: unknown) =>
    app.request('/v1/checks', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${OPER}` } : {}) },
    });
  return { app, store, runner, audit, post };
}

describe('POST /v1/checks: a job through the job service, with assertions', () => {
  it('starts the job once (one audit line, the caller named), then evaluates the assertions when it ends', async () => {
    const t = make({ tokens });
    const res = await t.post({ probe: 'tcprtt', durationMs: 1000, params: { rport: 443 }, assertions: ['count > 0', 'p99 < 1s'] });
    expect(res.status).toBe(202);
    const created = (await res.json()) as { id: string; status: string; job: { probe: string; status: string; params: unknown } };
    expect(res.headers.get('location')).toBe(`/v1/checks/${created.id}`);
    expect(created).toMatchObject({ status: 'pending', job: { probe: 'tcprtt', status: 'queued', params: { rport: 443, milliseconds: false, byRemote: false } } });
    expect(t.runner.started.map((s) => s.id)).toEqual([created.id]);
    expect(t.audit.lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ audit: 'job.start', who: 'ci', role: 'operator', job: created.id, probe: 'tcprtt', durationMs: 1000 }),
    ]);
    await waitStatus(t.store, created.id, 'succeeded');
    const check = await t.app.request(`/v1/checks/${created.id}`, { headers: { authorization: `Bearer ${OPER}` } });
    expect(await check.json()).toMatchObject({ status: 'passed', report: { passed: 2, failed: 0, errors: 0 } });
  });

  it('counts once against the token rate limit: a check is one request', async () => {
    const t = make({ tokens, rateLimit: { perSecond: 0.001, burst: 2 } });
    const body = { probe: 'tcprtt', durationMs: 1000, assertions: ['count > 0'] };
    expect((await t.post(body)).status).toBe(202);
    expect((await t.post(body)).status).toBe(202);
    const third = await t.post(body);
    expect(third.status).toBe(429);
    expect(((await third.json()) as { type: string }).type).toBe('https://sonde.dev/problems/rate-limited');
    expect(t.runner.started).toHaveLength(2);
  });

  it("refuses the job part as POST /v1/jobs does, naming the check's own fields and instance; no job, no check", async () => {
    const t = make();
    const bad = await t.post({ probe: 'tcprtt', durationMs: 5, colour: 'red', assertions: ['count > 0'] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      type: 'https://sonde.dev/problems/bad-params',
      instance: '/v1/checks',
      errors: expect.arrayContaining([
        { field: 'colour', message: 'unknown field' },
        { field: 'durationMs', message: expect.stringMatching(/100/) },
      ]),
    });
    const params = await t.post({ probe: 'tcprtt', params: { rport: 0 }, assertions: ['count > 0'] });
    expect(params.status).toBe(400);
    expect(((await params.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(['params.rport']);
    const unknown = await t.post({ probe: 'tcpfoo', assertions: ['count > 0'] });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ type: 'https://sonde.dev/problems/unknown-probe', instance: '/v1/checks' });
    const unavailable = await t.post({ probe: 'tcpdrop', assertions: ['count > 0'] });
    expect(unavailable.status).toBe(422);
    expect(t.runner.started).toHaveLength(0);
    expect(t.store.count()).toBe(0);
  });

  it('at the running limit: 429 too-many-jobs with Retry-After, as for POST /v1/jobs', async () => {
    const t = make(undefined, 1);
    expect((await t.post({ probe: 'tcprtt', durationMs: 60_000, assertions: ['count > 0'] })).status).toBe(202);
    const busy = await t.post({ probe: 'tcprtt', durationMs: 1000, assertions: ['count > 0'] });
    expect(busy.status).toBe(429);
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await busy.json()) as { type: string }).type).toBe('https://sonde.dev/problems/too-many-jobs');
  });
});
