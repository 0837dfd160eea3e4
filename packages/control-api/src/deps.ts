import type { CatalogApi, RunnerApi } from '@sonde/core-loader';
import type { EventHub } from './events-hub.js';
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
}
