import type { CatalogApi, RunnerApi } from '@sonde/core-loader';
import type { AuditSink } from './audit.js';
import type { AuthOptions } from './auth.js';
import type { Config } from './config.js';
import type { EventHub } from './events-hub.js';
import type { JobLimits } from './job-service.js';
import type { OtlpExporter } from './otlp/exporter.js';
import type { JobStore } from './store.js';

/** What the routes need; `createApp` receives it and tests pass fakes. */
export interface AppDeps {
  catalog: CatalogApi;
  runner: RunnerApi;
  store: JobStore;
  /** epoch ms the server started (health's uptime); defaults to createApp time */
  startedAt?: number;
  /** live event streams; the runner's hooks publish into the same hub (see jobHooks) */
  events?: EventHub;
  /** bearer tokens and the per-token rate limit on /v1/*; absent: open, no limit (tests, loopback) */
  auth?: AuthOptions;
  /** job limits beyond the runner's global one */
  limits?: JobLimits;
  /** where job starts and stops are recorded */
  audit?: AuditSink;
  /** the effective configuration, shown to admins at GET /v1/config (token secrets left out) */
  config?: Config;
  /** OTLP destinations and the exports jobs asked for (`export.otlp` in a job request) */
  otlp?: OtlpExporter;
}

export type { JobLimits } from './job-service.js';
