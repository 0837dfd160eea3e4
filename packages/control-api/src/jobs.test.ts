import { afterEach, describe, expect, it, vi } from 'vitest';
import { JOB_ID_RE } from './ids.js';
import type { Job } from './store.js';
import { postJob, testApp, waitStatus, type TestApp } from '../test/support/helpers.js';

const PROBLEM = /^application\/problem\+json/;
let t: TestApp | undefined;
afterEach(async () => {
  await t?.runner.close();
  t?.store.close();
  t = undefined;
});

async function problem(res: Response, status: number, type: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(PROBLEM);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.type).toBe(`https://sonde.dev/problems/${type}`);
  expect(body.status).toBe(status);
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(typeof body.instance).toBe('string');
  return body;
}

describe('POST /v1/jobs', () => {
  it('accepts a job: 202, Location, queued row with defaults applied', async () => {
    t = testApp();
    const res = await postJob(t.app, { probe: 'tcprtt', params: { rport: 443 } });
    expect(res.status).toBe(202);
    const job = (await res.json()) as Job;
    expect(job.id).toMatch(JOB_ID_RE);
    expect(res.headers.get('location')).toBe(`/v1/jobs/${job.id}`);
    expect(job).toMatchObject({
      probe: 'tcprtt',
      probeVersion: '0.1.0',
      durationMs: 10_000,
      status: 'queued',
      params: { rport: 443, milliseconds: false, byRemote: false },
      attachedAt: null,
      endedAt: null,
      variant: null,
      result: null,
      error: null,
    });
    expect(Date.parse(job.createdAt)).toBeGreaterThan(Date.now() - 5000);
    expect(t.runner.started).toEqual([
      { id: job.id, probe: 'tcprtt', params: { rport: 443, milliseconds: false, byRemote: false }, durationMs: 10_000 },
    ]);
  });

  it('follows the job through attached and done to a stored envelope', async () => {
    t = testApp({ timeScale: 0.5 });
    const job = (await (await postJob(t.app, { probe: 'tcprtt', durationMs: 100 })).json()) as Job;
    const running = await waitStatus(t.store, job.id, 'running');
    expect(running.variant).toBe('tp_btf');
    expect(running.attachedAt).not.toBeNull();
    await waitStatus(t.store, job.id, 'succeeded');
    const res = await t.app.request(`/v1/jobs/${job.id}`);
    expect(res.status).toBe(200);
    const done = (await res.json()) as Job;
    expect(done.status).toBe('succeeded');
    expect(done.endedAt).toBe(done.result?.endedAt);
    expect(done.result).toMatchObject({
      jobId: job.id,
      probe: 'tcprtt',
      stoppedBy: 'deadline',
      kind: 'histogram',
      variant: 'tp_btf',
      stats: { events: 10, lost: 0, dropped: 0, truncated: false },
    });
    expect(done.error).toBeNull();
    // the plain read (no query string: answered without the validators) and the validated format=json one agree
    const viaQuery = await t.app.request(`/v1/jobs/${job.id}?format=json`);
    expect(viaQuery.headers.get('content-type')).toBe(res.headers.get('content-type'));
    expect(await viaQuery.json()).toEqual(done);
    expect((await t.app.request(`/v1/jobs/${job.id}?`)).status).toBe(200);
    // with a query string, the route's own schema and hook: a 400 naming the field, repeated keys too
    const bogus = await problem(await t.app.request(`/v1/jobs/${job.id}?format=bogus`), 400, 'bad-params');
    expect(bogus.errors).toEqual([expect.objectContaining({ field: 'format' })]);
    await problem(await t.app.request(`/v1/jobs/${job.id}?format=json&format=text`), 400, 'bad-params');
    expect((await t.app.request('/v1/jobs/j_nope')).status).toBe(404);

    const text = await t.app.request(`/v1/jobs/${job.id}?format=text`);
    expect(text.status).toBe(200);
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await text.text()).toBe('         0 -> 1         : 0\n         2 -> 3         : 9\n         4 -> 7         : 1\n');
  });

  it('records a failed job with its error', async () => {
    t = testApp({ timeScale: 0.1, failWith: { type: 'probe-load-failed', message: 'bpf_object__load: -22' } });
    const job = (await (await postJob(t.app, { probe: 'tcprtt', durationMs: 100 })).json()) as Job;
    const failed = await waitStatus(t.store, job.id, 'failed');
    expect(failed.error).toEqual({ type: 'probe-load-failed', message: 'bpf_object__load: -22' });
    expect(failed.result?.stoppedBy).toBe('error');
    await problem(await t.app.request(`/v1/jobs/${job.id}?format=text`), 409, 'conflict');
  });

  it('400 names params.rport when it is out of range', async () => {
    t = testApp();
    const body = await problem(await postJob(t.app, { probe: 'tcprtt', params: { rport: 70000 } }), 400, 'bad-params');
    expect(body.errors).toEqual([{ field: 'params.rport', message: expect.stringMatching(/65535/) }]);
    expect(body.detail).toMatch(/params\.rport/);
    expect(body.instance).toBe('/v1/jobs');
    expect(t.runner.started).toEqual([]);
    expect(t.store.list({ limit: 10 }).jobs).toEqual([]);
  });

  it('400 names an unknown probe param', async () => {
    t = testApp();
    const body = await problem(await postJob(t.app, { probe: 'tcprtt', params: { rportt: 1 } }), 400, 'bad-params');
    expect(body.errors).toEqual([{ field: 'params.rportt', message: 'unknown field' }]);
  });

  it('400 for an unknown top-level field', async () => {
    t = testApp();
    const body = await problem(await postJob(t.app, { probe: 'tcprtt', duration: 5000 }), 400, 'bad-params');
    expect(body.errors).toEqual([{ field: 'duration', message: 'unknown field' }]);
  });

  it('400 for durationMs out of bounds, a missing probe and non-object params', async () => {
    t = testApp();
    const low = await problem(await postJob(t.app, { probe: 'tcprtt', durationMs: 99 }), 400, 'bad-params');
    expect(low.errors).toEqual([{ field: 'durationMs', message: expect.stringMatching(/100/) }]);
    const high = await problem(await postJob(t.app, { probe: 'tcprtt', durationMs: 600_001 }), 400, 'bad-params');
    expect((high.errors as Array<{ field: string }>)[0]?.field).toBe('durationMs');
    const frac = await problem(await postJob(t.app, { probe: 'tcprtt', durationMs: 150.5 }), 400, 'bad-params');
    expect((frac.errors as Array<{ field: string }>)[0]?.field).toBe('durationMs');
    const none = await problem(await postJob(t.app, { params: {} }), 400, 'bad-params');
    expect((none.errors as Array<{ field: string }>).map((e) => e.field)).toEqual(['probe']);
    const arr = await problem(await postJob(t.app, { probe: 'tcprtt', params: [1] }), 400, 'bad-params');
    expect((arr.errors as Array<{ field: string }>).map((e) => e.field)).toEqual(['params']);
  });

  it('400 for malformed JSON', async () => {
    t = testApp();
    const body = await problem(await postJob(t.app, '{"probe": "tcprtt",'), 400, 'bad-params');
    expect(body.errors).toEqual([{ field: 'body', message: 'Malformed JSON in request body' }]);
  });

  it('415 for a body that is not JSON', async () => {
    t = testApp();
    const res = await t.app.request('/v1/jobs', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'probe=tcprtt' });
    const body = await problem(res, 415, 'unsupported-media-type');
    expect(body.detail).toMatch(/application\/json/);
  });

  it('413 for an oversized body', async () => {
    t = testApp();
    const body = JSON.stringify({ probe: 'tcprtt', params: { comm: 'x'.repeat(70_000) } });
    await problem(await postJob(t.app, body), 413, 'payload-too-large');
    expect(t.runner.started).toEqual([]);
  });

  it('404 for an unknown probe, 422 for one this kernel cannot run', async () => {
    t = testApp();
    const unknown = await problem(await postJob(t.app, { probe: 'nope' }), 404, 'unknown-probe');
    expect(unknown).toMatchObject({ probe: 'nope', detail: "no probe named 'nope'" });
    const unavailable = await problem(await postJob(t.app, { probe: 'tcpdrop' }), 422, 'probe-unavailable-on-this-kernel');
    expect(unavailable).toMatchObject({ probe: 'tcpdrop', reason: 'needs kprobe tcp_drop, which this kernel does not build in' });
  });

  it('429 with Retry-After at the limit, and no row for the refused job', async () => {
    t = testApp({ maxRunning: 2 });
    for (let i = 0; i < 2; i++) expect((await postJob(t.app, { probe: 'tcprtt', durationMs: 30_000 })).status).toBe(202);
    const res = await postJob(t.app, { probe: 'tcprtt', durationMs: 30_000 });
    const body = await problem(res, 429, 'too-many-jobs');
    // the soonest deadline is ~30 s away
    const after = Number(res.headers.get('retry-after'));
    expect(after).toBeGreaterThanOrEqual(29);
    expect(after).toBeLessThanOrEqual(30);
    expect(body).toMatchObject({ limit: 2, retryAfter: after });
    expect(t.store.list({ limit: 10 }).jobs).toHaveLength(2);
  });

  it('removes the row when the runner refuses the start', async () => {
    t = testApp({ maxRunning: 1 });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const start = t.runner.start.bind(t.runner);
    t.runner.start = () => {
      throw Object.assign(new Error('pool is gone'), {});
    };
    const body = await problem(await postJob(t.app, { probe: 'tcprtt' }), 500, 'internal');
    expect(JSON.stringify(body)).not.toMatch(/pool is gone|at /);
    expect(t.store.list({ limit: 10 }).jobs).toEqual([]);
    expect(logged).toHaveBeenCalledOnce();
    logged.mockRestore();
    t.runner.start = start;
  });
});

describe('GET /v1/jobs', () => {
  it('filters by status and probe and pages newest first over more than one page', async () => {
    t = testApp({ maxRunning: 50, timeScale: 0.05 });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const job = (await (await postJob(t.app, { probe: 'tcprtt', durationMs: i < 4 ? 100 : 600_000 })).json()) as Job;
      ids.push(job.id);
    }
    // another probe's history, written directly (the fake catalogue only runs tcprtt)
    t.store.insert({ id: 'j_00000000000000000000000000', probe: 'tcpconnlat', probeVersion: '1.0.0', kind: 'histogram', params: {}, durationMs: 1000, createdAt: 0 });
    for (const id of ids.slice(0, 4)) await waitStatus(t.store, id, 'succeeded');

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await t.app.request(`/v1/jobs?limit=5&probe=tcprtt${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { jobs: Job[]; nextCursor: string | null };
      expect(page.jobs.length).toBeLessThanOrEqual(5);
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());

    const succeeded = (await (await t.app.request('/v1/jobs?status=succeeded')).json()) as { jobs: Job[]; nextCursor: null };
    expect(succeeded.jobs.map((j) => j.id)).toEqual(ids.slice(0, 4).reverse());
    expect(succeeded.nextCursor).toBeNull();

    const other = (await (await t.app.request('/v1/jobs?probe=tcpconnlat')).json()) as { jobs: Job[] };
    expect(other.jobs.map((j) => j.id)).toEqual(['j_00000000000000000000000000']);

    const all = (await (await t.app.request('/v1/jobs')).json()) as { jobs: Job[] };
    expect(all.jobs).toHaveLength(13);
    const queuedOrRunning = (await (await t.app.request('/v1/jobs?status=running&limit=200')).json()) as { jobs: Job[] };
    expect(queuedOrRunning.jobs.every((j) => j.status === 'running')).toBe(true);
  });

  it('400 names a bad limit, status or cursor', async () => {
    t = testApp();
    for (const [q, field] of [['limit=0', 'limit'], ['limit=201', 'limit'], ['status=done', 'status'], ['cursor=abc', 'cursor']] as const) {
      const body = await problem(await t.app.request(`/v1/jobs?${q}`), 400, 'bad-params');
      expect((body.errors as Array<{ field: string }>).map((e) => e.field)).toEqual([field]);
    }
  });
});

describe('GET/DELETE /v1/jobs/{id}', () => {
  it('404 for an unknown job', async () => {
    t = testApp();
    const body = await problem(await t.app.request('/v1/jobs/j_01JDQ7ZK3M6W8X9Y0A1B2C3D4E'), 404, 'not-found');
    expect(body.detail).toBe("job 'j_01JDQ7ZK3M6W8X9Y0A1B2C3D4E' not found");
    await problem(await t.app.request('/v1/jobs/j_01JDQ7ZK3M6W8X9Y0A1B2C3D4E', { method: 'DELETE' }), 404, 'not-found');
  });

  it('DELETE stops a running job, which ends stopped with its partial result', async () => {
    t = testApp();
    const job = (await (await postJob(t.app, { probe: 'tcprtt', durationMs: 60_000 })).json()) as Job;
    await waitStatus(t.store, job.id, 'running');
    const res = await t.app.request(`/v1/jobs/${job.id}`, { method: 'DELETE' });
    expect(res.status).toBe(202);
    expect(((await res.json()) as Job).id).toBe(job.id);
    const stopped = await waitStatus(t.store, job.id, 'stopped');
    expect(stopped.result?.stoppedBy).toBe('cancel');
    expect(stopped.result?.data).toMatchObject({ unit: 'usecs', count: 3 });
    expect(stopped.result?.stats.events).toBe(3);
    expect(stopped.endedAt).not.toBeNull();
    expect(t.runner.running()).toEqual([]);
  });

  it('409 on DELETE of a finished job', async () => {
    t = testApp({ timeScale: 0.05 });
    const job = (await (await postJob(t.app, { probe: 'tcprtt', durationMs: 100 })).json()) as Job;
    await waitStatus(t.store, job.id, 'succeeded');
    const body = await problem(await t.app.request(`/v1/jobs/${job.id}`, { method: 'DELETE' }), 409, 'conflict');
    expect(body).toMatchObject({ status: 409, detail: `job '${job.id}' already ended (succeeded)` });
    expect(t.store.get(job.id)?.status).toBe('succeeded');
  });
});
