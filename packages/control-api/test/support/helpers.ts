/** Test-only: an app over fakes, and small polling helpers. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createApp } from '../../src/app.js';
import { EventHub, type HubOptions } from '../../src/events-hub.js';
import { jobHooks } from '../../src/hooks.js';
import type { OtlpConfig } from '../../src/otlp/config.js';
import { OtlpExporter, type OtlpExporterOptions } from '../../src/otlp/exporter.js';
import { JobStore } from '../../src/store.js';
import { FakeCatalog, FakeRunner, type FakeRunnerOptions } from './fakes.js';

export interface TestApp {
  app: OpenAPIHono;
  store: JobStore;
  runner: FakeRunner;
  catalog: FakeCatalog;
  events: EventHub;
  otlp: OtlpExporter;
}

export function testApp(
  opts: Omit<FakeRunnerOptions, 'hooks'> = {},
  file = ':memory:',
  hub: Partial<HubOptions> = {},
  otlpConfig: OtlpConfig = { destinations: [] },
  otlpOptions: OtlpExporterOptions = {},
): TestApp {
  const store = new JobStore(file);
  const catalog = new FakeCatalog();
  const events = new EventHub(hub);
  const otlp = new OtlpExporter(store, otlpConfig, otlpOptions);
  const runner = new FakeRunner({ hooks: jobHooks(store, events, (id, r) => otlp.done(id, r)), ...opts });
  return { app: createApp({ catalog, runner, store, events, otlp }), store, runner, catalog, events, otlp };
}

export function postJob(app: OpenAPIHono, body: unknown): Promise<Response> {
  return Promise.resolve(
    app.request('/v1/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

export async function waitFor<T>(fn: () => T | undefined | false, ms = 3000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** poll the store until the job reaches one of `statuses` */
export function waitStatus(store: JobStore, id: string, ...statuses: string[]) {
  return waitFor(() => {
    const j = store.get(id);
    return j && statuses.includes(j.status) ? j : undefined;
  });
}
