import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { AuditLog } from './audit.js';
import { RateLimiter, TokenAuth } from './auth.js';
import { loadConfig } from './config.js';
import type { AppDeps } from './deps.js';
import { jobHooks } from './hooks.js';
import { JobStore } from './store.js';
import { FakeCatalog, FakeRunner } from '../test/support/fakes.js';

const VIEW = 'viewer-token-0123456789abcdef';
const OPER = 'operator-token-0123456789abcd';
const ADMIN = 'admin-token-0123456789abcdef0';
const tokens = [
  { name: 'dash', role: 'viewer' as const, token: VIEW },
  { name: 'ci', role: 'operator' as const, token: OPER },
  { name: 'root', role: 'admin' as const, token: ADMIN },
];

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup) await f();
  cleanup = [];
});

function make(extra: Partial<AppDeps> = {}, maxRunning = 8) {
  const store = new JobStore(':memory:');
  const catalog = new FakeCatalog();
  catalog.addFakeEvents();
  const runner = new FakeRunner({ hooks: jobHooks(store), maxRunning });
  const audit = new AuditLog(null, null, true);
  const app = createApp({ catalog, runner, store, audit, ...extra });
  cleanup.push(async () => {
    await runner.close();
    store.close();
  });
  const req = (path: string, token?: string, init: RequestInit = {}) =>
    app.request(path, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) } });
  const post = (body: unknown, token?: string) =>
    req('/v1/jobs', token, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { app, store, runner, audit, req, post };
}

async function problem(res: Response, status: number, type: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.type).toBe(`https://sonde.dev/problems/${type}`);
  return body;
}

describe('bearer tokens and roles', () => {
  it('401 without or with a wrong token (problem+json, WWW-Authenticate); the token is never echoed', async () => {
    const t = make({ auth: { tokens } });
    const none = await t.req('/v1/probes');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="sonde"');
    await problem(none, 401, 'unauthorized');
    const wrong = await t.req('/v1/probes', 'not-a-real-token-at-all-xx');
    const body = await problem(wrong, 401, 'unauthorized');
    expect(JSON.stringify(body)).not.toContain('not-a-real-token');
    await problem(await t.req('/v1/probes', undefined, { headers: { authorization: `Basic ${VIEW}` } }), 401, 'unauthorized');
    // a prefix of a real token is no token
    await problem(await t.req('/v1/probes', VIEW.slice(0, -1)), 401, 'unauthorized');
  });

  it('a verified header is remembered per value, never across tokens or roles; wrong ones stay 401', async () => {
    const t = make({ auth: { tokens } });
    for (let i = 0; i < 3; i++) {
      expect((await t.req('/v1/probes', VIEW)).status).toBe(200);
      await problem(await t.post({ probe: 'fake-events', durationMs: 100 }, VIEW), 403, 'not-permitted');
      await problem(await t.req('/v1/probes', VIEW + 'x'), 401, 'unauthorized');
      expect((await t.req('/v1/probes', undefined, { headers: { authorization: `bearer  ${OPER} ` } })).status).toBe(200);
    }
    // more distinct valid header values than the cache holds: each still verifies
    for (let n = 1; n <= 70; n++) {
      const res = await t.req('/v1/config', undefined, { headers: { authorization: `Bearer${' '.repeat(n)}${ADMIN}` } });
      expect(res.status).not.toBe(401);
    }
    await problem(await t.req('/v1/config', OPER), 403, 'not-permitted');
  });

  it('viewer reads; operator also starts and stops; admin also reads the configuration', async () => {
    const t = make({ auth: { tokens }, config: loadConfig({ SONDE_TOKENS: tokens.map((x) => `${x.name}:${x.role}:${x.token}`).join(',') }) });
    expect((await t.req('/v1/probes', VIEW)).status).toBe(200);
    expect((await t.req('/v1/jobs', VIEW)).status).toBe(200);
    const denied = await problem(await t.post({ probe: 'tcprtt' }, VIEW), 403, 'not-permitted');
    expect(denied).toMatchObject({ role: 'viewer', required: 'operator' });
    const ok = await t.post({ probe: 'tcprtt', durationMs: 60_000 }, OPER);
    expect(ok.status).toBe(202);
    const { id } = (await ok.json()) as { id: string };
    await problem(await t.req(`/v1/jobs/${id}`, VIEW, { method: 'DELETE' }), 403, 'not-permitted');
    expect((await t.req(`/v1/jobs/${id}`, OPER, { method: 'DELETE' })).status).toBe(202);
    await problem(await t.req('/v1/config', OPER), 403, 'not-permitted');
    const cfg = await t.req('/v1/config', ADMIN);
    expect(cfg.status).toBe(200);
    const text = await cfg.text();
    for (const x of tokens) expect(text).not.toContain(x.token);
    expect(JSON.parse(text).auth).toEqual({ open: false, tokens: tokens.map(({ name, role }) => ({ name, role })) });
  });

  it('leaves /healthz, /openapi.json and /docs open; with no tokens everything is open as before', async () => {
    const t = make({ auth: { tokens } });
    expect((await t.req('/healthz')).status).toBe(200);
    expect((await t.req('/openapi.json')).status).toBe(200);
    const open = make({ auth: { tokens: [] } });
    expect((await open.post({ probe: 'tcprtt' })).status).toBe(202);
    expect(open.audit.lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ who: 'anonymous', role: 'admin' })]);
  });

  it('compares every configured token (constant time over the list)', () => {
    const auth = new TokenAuth(tokens);
    expect(auth.verify(OPER)).toEqual({ name: 'ci', role: 'operator' });
    expect(auth.verify('')).toBeUndefined();
    expect(auth.verify(OPER + 'x')).toBeUndefined();
    expect(new TokenAuth([]).open).toBe(true);
  });
});

describe('audit log', () => {
  it('writes one JSON line per job started or stopped: who, what, params — never the token', async () => {
    const t = make({ auth: { tokens } });
    const res = await t.post({ probe: 'tcprtt', durationMs: 60_000, params: { rport: 443 }, budget: { cpuMs: 50 } }, OPER);
    const { id } = (await res.json()) as { id: string };
    await t.req(`/v1/jobs/${id}`, ADMIN, { method: 'DELETE' });
    await t.post({ probe: 'tcprtt', params: { rport: 0 } }, OPER); // refused: no line
    const lines = t.audit.lines.map((l) => JSON.parse(l));
    expect(lines).toEqual([
      {
        ts: expect.any(String),
        audit: 'job.start',
        who: 'ci',
        role: 'operator',
        job: id,
        probe: 'tcprtt',
        params: { rport: 443, milliseconds: false, byRemote: false },
        durationMs: 60_000,
        budget: { cpuMs: 50 },
      },
      { ts: expect.any(String), audit: 'job.stop', who: 'root', role: 'admin', job: id, probe: 'tcprtt', params: expect.any(Object) },
    ]);
    expect(t.audit.lines.join('')).not.toMatch(/token-0123/);
  });
});

describe('limits', () => {
  it('per-probe running limit: 429 too-many-jobs with Retry-After, other probes still start', async () => {
    const t = make({ limits: { maxJobsPerProbe: { default: 3, byProbe: { tcprtt: 2 } } } });
    expect((await t.post({ probe: 'tcprtt', durationMs: 30_000 })).status).toBe(202);
    expect((await t.post({ probe: 'tcprtt', durationMs: 30_000 })).status).toBe(202);
    const third = await t.post({ probe: 'tcprtt', durationMs: 30_000 });
    const body = await problem(third, 429, 'too-many-jobs');
    expect(body).toMatchObject({ limit: 2, probe: 'tcprtt' });
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(29);
    expect((await t.post({ probe: 'fakeevents', durationMs: 30_000, params: { count: 0 } })).status).toBe(202);
    expect(t.runner.running()).toHaveLength(3);
  });

  it('global running limit still applies', async () => {
    const t = make({}, 1);
    expect((await t.post({ probe: 'tcprtt', durationMs: 30_000 })).status).toBe(202);
    await problem(await t.post({ probe: 'fakeevents', durationMs: 30_000 }), 429, 'too-many-jobs');
  });

  it('max duration per job: 10 min by default, configurable, a bad-params naming durationMs', async () => {
    const t = make();
    expect((await t.post({ probe: 'tcprtt', durationMs: 600_000 })).status).toBe(202);
    const over = await problem(await t.post({ probe: 'tcprtt', durationMs: 600_001 }), 400, 'bad-params');
    expect(over.errors).toEqual([{ field: 'durationMs', message: expect.stringMatching(/600000/) }]);
    const short = make({ limits: { maxDurationMs: 5000 } });
    await problem(await short.post({ probe: 'tcprtt', durationMs: 5001 }), 400, 'bad-params');
    expect((await short.post({ probe: 'tcprtt', durationMs: 5000 })).status).toBe(202);
  });

  it('budget is checked and passed to the runner', async () => {
    const t = make();
    const bad = await problem(await t.post({ probe: 'tcprtt', budget: {} }), 400, 'bad-params');
    expect(JSON.stringify(bad.errors)).toMatch(/budget/);
    await problem(await t.post({ probe: 'tcprtt', budget: { cpuPercent: -1 } }), 400, 'bad-params');
    await problem(await t.post({ probe: 'tcprtt', budget: { cpuMs: 5, extra: 1 } }), 400, 'bad-params');
    expect((await t.post({ probe: 'tcprtt', budget: { cpuPercent: 2.5, cpuMs: 100 } })).status).toBe(202);
    expect(t.runner.started.at(-1)?.budget).toEqual({ cpuPercent: 2.5, cpuMs: 100 });
  });

  it('per-token rate limit: a token bucket, 429 rate-limited with Retry-After, per token', async () => {
    const t = make({ auth: { tokens, rateLimit: { perSecond: 2, burst: 5 } } });
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await t.req('/v1/probes', VIEW)).status);
    expect(codes.filter((c) => c === 200)).toHaveLength(5);
    const limited = await t.req('/v1/probes', VIEW);
    const body = await problem(limited, 429, 'rate-limited');
    expect(body).toMatchObject({ limit: 2, burst: 5 });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // another token has its own bucket
    expect((await t.req('/v1/probes', ADMIN)).status).toBe(200);
    // no tokens (loopback): no token to limit
    const open = make({ auth: { tokens: [], rateLimit: { perSecond: 1, burst: 1 } } });
    for (let i = 0; i < 5; i++) expect((await open.req('/v1/probes')).status).toBe(200);
  });

  it('the token bucket refills at its rate', () => {
    const r = new RateLimiter(10, 2);
    expect([r.take('a', 0), r.take('a', 0), r.take('a', 0)]).toEqual([0, 0, 1]);
    expect(r.take('a', 100)).toBe(0); // 100 ms at 10/s = one token
    expect(r.take('a', 100)).toBe(1);
    expect(new RateLimiter(0, 1).take('a')).toBe(0);
  });

  it('413 for a body over 64 KiB', async () => {
    const t = make();
    await problem(await t.post({ probe: 'tcprtt', params: { pad: 'x'.repeat(70_000) } }), 413, 'payload-too-large');
  });
});

describe('retention', () => {
  function seed(store: JobStore, n: number, endedAt: (i: number) => number) {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = `j_${String(i).padStart(26, '0')}`;
      store.insert({ id, probe: 'tcprtt', probeVersion: '0.1.0', kind: 'histogram', params: {}, durationMs: 100, createdAt: endedAt(i) - 100 });
      ids.push(id);
    }
    return ids;
  }
  const envelope = (id: string) =>
    ({ jobId: id, probe: 'tcprtt', probeVersion: '0.1.0', params: {}, host: { hostname: 'h', kernel: 'k' }, variant: null, startedAt: '', endedAt: '', durationMs: 0, stoppedBy: 'deadline', kind: 'histogram', data: null, stats: { events: 0, lost: 0, dropped: 0, truncated: false }, warnings: [] }) as const;

  it('prunes finished jobs by age and by count, never running ones', () => {
    const store = new JobStore(':memory:');
    const now = Date.UTC(2026, 0, 10);
    const day = 86_400_000;
    // 10 jobs, job i ended i days before now (job 0 newest in time but lowest id: ids sort by creation)
    const ids = seed(store, 10, (i) => now - (9 - i) * day);
    ids.forEach((id, i) => i !== 0 && store.finish(id, 'succeeded', envelope(id) as never, now - (9 - i) * day));
    // job 0 (the oldest) is still running
    expect(store.prune({ maxAgeMs: 7 * day, maxJobs: 100, now })).toBe(1); // job 1, 8 days old
    expect(store.get(ids[0]!)?.status).toBe('queued');
    expect(store.get(ids[1]!)).toBeUndefined();
    expect(store.count()).toBe(9);
    expect(store.prune({ maxAgeMs: 0, maxJobs: 4, now })).toBe(4); // jobs 2..5; job 0 is active and stays
    expect(store.list({ limit: 50 }).jobs.map((j) => j.id)).toEqual([ids[9], ids[8], ids[7], ids[6], ids[0]]);
    expect(store.prune({ maxAgeMs: 7 * day, maxJobs: 4, now })).toBe(0);
    expect(store.integrity()).toBe('ok');
    // the read path's text form is the same document as get(), before and after finishing (cached)
    for (const id of [ids[0]!, ids[9]!]) expect(JSON.parse(store.getJson(id)!)).toEqual(store.get(id));
    store.finish(ids[0]!, 'stopped', envelope(ids[0]!) as never, now);
    expect(JSON.parse(store.getJson(ids[0]!)!)).toEqual(store.get(ids[0]!));
    expect(store.getJson(ids[0]!)).toBe(store.getJson(ids[0]!));
    expect(store.getJson('j_nope')).toBeUndefined();
    store.close();
  });

  it('gives the pruned space back: the database file shrinks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sonde-prune-'));
    try {
      const store = JobStore.open(dir);
      const now = Date.UTC(2026, 0, 10);
      const ids = seed(store, 200, (i) => now - (200 - i) * 1000);
      const big = 'x'.repeat(50_000);
      for (const id of ids) store.finish(id, 'succeeded', { ...envelope(id), warnings: [big] } as never, now);
      // the database file and its write-ahead log
      const onDisk = () => ['sonde.db', 'sonde.db-wal'].reduce((n, f) => n + (statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
      const before = onDisk();
      expect(before).toBeGreaterThan(200 * 50_000);
      expect(store.prune({ maxAgeMs: 0, maxJobs: 10, now })).toBe(190);
      const after = onDisk();
      expect(after).toBeLessThan(before / 5);
      expect(store.count()).toBe(10);
      expect(store.integrity()).toBe('ok');
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
