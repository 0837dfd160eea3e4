import type { EventBatch, JobEvents, JobStatus } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import type { EventHub } from './events-hub.js';
import type { JobStore } from './store.js';

/**
 * The runner's progress callbacks, writing each step to the job store. The runner is built with
 * these before the app exists (`new JobRunner({ catalog, maxRunning, hooks: jobHooks(store) })`).
 */
export function jobHooks(store: JobStore, hub?: EventHub, stored?: (id: string, result: ResultEnvelope) => void): JobEvents {
  return {
    attached(id: string, info: { variant: string; at: number }): void {
      store.markAttached(id, info.at, info.variant);
    },
    events(id: string, batch: EventBatch): void {
      // streamed events go to live subscribers; the store keeps only results
      hub?.publish(id, batch);
    },
    done(id: string, status: JobStatus, result: ResultEnvelope): void {
      const ended = Date.parse(result.endedAt);
      if (!store.finish(id, status, result, Number.isFinite(ended) ? ended : Date.now())) {
        console.warn(`sonde: result for unknown job ${id} (${status}) dropped`);
      } else {
        stored?.(id, result); // e.g. the OTLP export, which runs after the result is readable
      }
      hub?.end(id, { status, stoppedBy: result.stoppedBy, stats: result.stats });
    },
  };
}
