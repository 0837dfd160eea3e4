/**
 * Run a job in the calling thread, without the pool or the API: for the CLI's local mode and
 * for probe tests. Same context, same cleanup, same envelope.
 */
import type { ResultEnvelope } from '@sonde/probe-sdk';
import { Catalog } from './catalog.js';
import { outcomeEnvelope } from './envelope.js';
import { DEFAULT_MAX_EVENTS, EventKeeper } from './event-keeper.js';
import { executeJob } from './execute.js';
import type { JobContext } from './context.js';

export interface InlineOptions {
  durationMs: number;
  /** abort to stop early (partial result) */
  signal?: AbortSignal;
  catalog?: Catalog;
  onAttached?: (variant: string) => void;
  onEvents?: (batch: unknown[]) => void;
  jobId?: string;
  /** events kept in the result (default 100 000) */
  maxEvents?: number;
}

export async function runJobInline(probe: string, params: unknown, opts: InlineOptions): Promise<ResultEnvelope> {
  const catalog = opts.catalog ?? (await Catalog.discover());
  const parsed = catalog.validateParams(probe, params);
  const entry = catalog.entry(probe);
  const jobId = opts.jobId ?? `inline-${Date.now()}`;
  let ctx: JobContext | undefined;
  const keeper = new EventKeeper(opts.maxEvents ?? DEFAULT_MAX_EVENTS);
  const onAbort = () => ctx?.stop();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const o = await executeJob(
      { jobId, modulePath: entry.modulePath!, params: parsed, durationMs: opts.durationMs },
      {
        attached: (v) => opts.onAttached?.(v),
        events: (b) => {
          keeper.add(b);
          opts.onEvents?.(b);
        },
      },
      (c) => {
        ctx = c;
        if (opts.signal?.aborted) c.stop();
      },
    );
    return outcomeEnvelope({ jobId, probe, params: parsed }, entry, o, keeper);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
