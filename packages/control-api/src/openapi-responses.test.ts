/**
 * The 4xx the document lists for the bearer-token guard are the ones the guard sends: every /v1/*
 * operation of the document, called on an app with tokens, answers 401 without a token, 403 with a
 * viewer token where it documents 403, and 429 over the token's rate; each of those is documented.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, openApiDocument } from './app.js';
import { jobHooks } from './hooks.js';
import { JobStore } from './store.js';
import { FakeCatalog, FakeRunner } from '../test/support/fakes.js';

const VIEW = 'viewer-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef0';
const tokens = [
  { name: 'dash', role: 'viewer' as const, token: VIEW },
  { name: 'root', role: 'admin' as const, token: ADMIN },
];

let stores: JobStore[] = [];
afterEach(() => {
  for (const s of stores) s.close();
  stores = [];
});

function guardedApp(rateLimit = { perSecond: 0, burst: 1 }) {
  const store = new JobStore(':memory:');
  stores.push(store);
  return createApp({ catalog: new FakeCatalog(), runner: new FakeRunner({ hooks: jobHooks(store) }), store, auth: { tokens, rateLimit } });
}

type Operations = Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;

function operations() {
  const paths = openApiDocument(guardedApp()).paths as Operations;
  return Object.entries(paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), url: path.replace(/\{[^}]+\}/g, 'j_x'), op })),
  );
}

describe('documented guard responses', () => {
  const ops = operations().filter((o) => o.path.startsWith('/v1/'));

  it('every operation has an operationId and at least one 4xx (GET /healthz aside)', () => {
    for (const { method, path, op } of operations()) {
      expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
      if (path !== '/healthz') expect(Object.keys(op.responses).some((c) => c.startsWith('4')), `${method} ${path}`).toBe(true);
    }
  });

  it.each(ops.map((o) => [`${o.method} ${o.path}`, o] as const))('%s: 401, 403 and 429 as documented', async (_name, { method, url, op }) => {
    const send = (app: ReturnType<typeof guardedApp>, token?: string) =>
      app.request(url, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: method === 'POST' ? '{}' : undefined });
    const codes = Object.keys(op.responses);

    expect(codes).toContain('401');
    expect((await send(guardedApp())).status).toBe(401);

    const viewer = (await send(guardedApp(), VIEW)).status;
    if (codes.includes('403')) expect(viewer).toBe(403);
    else expect(viewer).not.toBe(403);

    expect(codes).toContain('429');
    const limited = guardedApp({ perSecond: 0.001, burst: 1 });
    await send(limited, ADMIN);
    expect((await send(limited, ADMIN)).status).toBe(429);
  });
});
