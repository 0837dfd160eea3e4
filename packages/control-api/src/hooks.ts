import type { JobEvents, JobStatus } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import type { JobStore } from './store.js';

/**
 * The runner's progress callbacks, writing each step to the job store. The runner is built with
 * these before the app exists (`new JobRunner({ catalog, maxRunning, hooks: jobHooks(store) })`).
 */
export function jobHooks(store: JobStore): JobEvents {
  return {
    attached(id: string, info: { variant: string; at: number }): void {
      store.markAttached(id, info.at, info.variant);
    },
    events(): void {
      // streamed events go to live subscribers (SSE, not built yet); the store keeps only results
    },
    done(id: string, status: JobStatus, result: ResultEnvelope): void {
      const ended = Date.parse(result.endedAt);
      if (!store.finish(id, status, result, Number.isFinite(ended) ? ended : Date.now())) {
        console.warn(`sonde: result for unknown job ${id} (${status}) dropped`);
      }
    },
  };
}
