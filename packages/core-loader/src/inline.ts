/**
 * Run a job in the calling thread, without the pool or the API: for the CLI's local mode and
 * for probe tests. Same context, same cleanup, same envelope.
 */
import { ownerFilterOf, ownerGroups, type OwnerResolver, type ResultEnvelope } from '@sonde/probe-sdk';
import { Catalog } from './catalog.js';
import { outcomeEnvelope } from './envelope.js';
import { DEFAULT_MAX_EVENTS, EventKeeper } from './event-keeper.js';
import { executeJob } from './execute.js';
import type { JobContext } from './context.js';
import { EventBatch } from './event-batch.js';
import { attachResultOwners, localOwners, ownerFilterIds } from './owners.js';
import { pathToFileURL } from 'node:url';

export interface InlineOptions {
  durationMs: number;
  /** abort to stop early (partial result) */
  signal?: AbortSignal;
  catalog?: Catalog;
  onAttached?: (variant: string) => void;
  /** each batch of streamed events, decoded when read (batch.events()) */
  onEvents?: (batch: EventBatch) => void;
  jobId?: string;
  /** events kept in the result (default 100 000) */
  maxEvents?: number;
  /**
   * owner resolution, as the runner's (owner filters, `owner` on results, by: pod/container); without
   * it, a job with an owner filter uses the process's own cgroup-tree resolution (localOwners)
   */
  owners?: OwnerResolver;
}

export async function runJobInline(probe: string, params: unknown, opts: InlineOptions): Promise<ResultEnvelope> {
  const catalog = opts.catalog ?? (await Catalog.discover());
  const parsed = catalog.validateParams(probe, params);
  const entry = catalog.entry(probe);
  const jobId = opts.jobId ?? `inline-${Date.now()}`;
  // a filter by owner needs the cgroup tree: this process's own resolution when none was given
  const owners = opts.owners ?? (ownerFilterOf(parsed) ? localOwners() : undefined);
  const ownerIds = ownerFilterIds(parsed, owners);
  let ctx: JobContext | undefined;
  const keeper = new EventKeeper(opts.maxEvents ?? DEFAULT_MAX_EVENTS);
  const warnings: string[] = [];
  const onAbort = () => ctx?.stop();
  const add = (b: EventBatch) => {
    b.ownersFrom(owners);
    keeper.add(b);
    opts.onEvents?.(b);
  };
  // raw records (drainEvents' mainThreadDecoder) stay raw until read, as in the runner
  // (a module that cannot be imported fails the job in executeJob, with the reason)
  const mod = (await import(pathToFileURL(entry.modulePath!).href).catch(() => ({}))) as Record<string, unknown>;
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const o = await executeJob(
      { jobId, modulePath: entry.modulePath!, params: parsed, durationMs: opts.durationMs, ...(ownerIds ? { ownerIds } : {}) },
      {
        ...(owners ? { ownerGroups: (ids, by) => ownerGroups(ids, by, owners) } : {}),
        attached: (v) => opts.onAttached?.(v),
        events: (b) => add(EventBatch.of(b)),
        records: (buf, records, decoder) => add(EventBatch.fromModule(mod, decoder, buf, records, warnings)),
      },
      (c) => {
        ctx = c;
        if (opts.signal?.aborted) c.stop();
      },
    );
    if (owners) await keeper.ready();
    const result = outcomeEnvelope({ jobId, probe, params: parsed }, entry, o, keeper);
    for (const w of warnings) if (!result.warnings.includes(w)) result.warnings.push(w);
    if (owners) await attachResultOwners(result, owners);
    return result;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
