/**
 * Run a job in the calling thread, without the pool or the API: for probe tests (runJobInline) and,
 * behind the control plane's job service, for the CLI's in-process mode (InlineRunner, a RunnerApi
 * like JobRunner's). Same context, same cleanup, same envelope.
 */
import {
  ownerFilterOf,
  ownerGroups,
  type OwnerResolver,
  type ResultEnvelope,
  type StoppedBy,
} from '@sonde/probe-sdk';
import type { JobEvents, JobSpec, JobStatus, RunnerApi } from './api.js';
import { Catalog, type CatalogEntry } from './catalog.js';
import { buildEnvelope, outcomeEnvelope } from './envelope.js';
import { admitJob } from './admit.js';
import { DEFAULT_MAX_EVENTS, EventKeeper } from './event-keeper.js';
import { executeJob, importProbe } from './execute.js';
import type { JobContext } from './context.js';
import { EventBatch } from './event-batch.js';
import { attachResultOwners, localOwners, ownerFilterIds } from './owners.js';

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
  return runResolved(entry, { id: jobId, probe, params: parsed, durationMs: opts.durationMs }, owners, ownerIds, opts);
}

/** a job whose params are parsed and whose owner filter is resolved, run to its envelope */
async function runResolved(
  entry: CatalogEntry,
  spec: JobSpec,
  owners: OwnerResolver | undefined,
  ownerIds: string[] | undefined,
  opts: Omit<InlineOptions, 'durationMs' | 'catalog' | 'jobId' | 'owners'>,
): Promise<ResultEnvelope> {
  const { id: jobId, probe, params: parsed } = spec;
  let ctx: JobContext | undefined;
  const keeper = new EventKeeper(opts.maxEvents ?? DEFAULT_MAX_EVENTS);
  const warnings: string[] = [];
  const onAbort = () => ctx?.stop();
  const add = (b: EventBatch) => {
    b.ownersFrom(owners);
    keeper.add(b);
    opts.onEvents?.(b);
  };
  // raw records (drainEvents' mainThread) stay raw until read, as in the runner, and are decoded by the
  // definition's decode (a module that cannot be imported fails the job in executeJob, with the reason)
  const def = await importProbe(entry.modulePath!).catch(() => null);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const o = await executeJob(
      { jobId, modulePath: entry.modulePath!, params: parsed, durationMs: spec.durationMs, ...(spec.budget ? { budget: spec.budget } : {}), ...(ownerIds ? { ownerIds } : {}) },
      {
        ...(owners ? { ownerGroups: (ids, by) => ownerGroups(ids, by, owners) } : {}),
        attached: (v) => opts.onAttached?.(v),
        events: (b) => add(EventBatch.of(b)),
        records: (buf, records) => add(EventBatch.fromProbe(def, buf, records, warnings)),
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

export interface InlineRunnerOptions {
  catalog: Catalog;
  hooks: JobEvents;
  /** the process's owner resolution; without it, owner filters use this host's cgroup tree (localOwners) */
  owners?: OwnerResolver | undefined;
  /** jobs at once (default 1: one `sonde run`) */
  maxRunning?: number;
  /** events kept in a result (default 100 000) */
  maxEvents?: number;
}

const statusOf = (s: StoppedBy): JobStatus => (s === 'error' ? 'failed' : s === 'cancel' || s === 'budget' ? 'stopped' : 'succeeded');

/**
 * JobRunner's contract over jobs run in this thread: start() refuses synchronously what JobRunner
 * refuses (the limit, an unavailable probe, missing privileges, an owner filter that matches
 * nothing: BadParamsError naming the field), then progress and the envelope arrive through the hooks.
 */
export class InlineRunner implements RunnerApi {
  readonly maxRunning: number;
  private readonly jobs = new Map<string, { abort: AbortController; ended: Promise<void> }>();

  constructor(private readonly opts: InlineRunnerOptions) {
    this.maxRunning = opts.maxRunning ?? 1;
  }

  start(spec: JobSpec): void {
    const entry = admitJob(this.opts.catalog, spec.probe, this.jobs.size, this.maxRunning);
    const owners = this.opts.owners ?? (ownerFilterOf(spec.params) ? localOwners() : undefined);
    const ownerIds = ownerFilterIds(spec.params, owners);
    const { hooks } = this.opts;
    const abort = new AbortController();
    const startedAt = Date.now();
    const ended = runResolved(entry, spec, owners, ownerIds, {
      signal: abort.signal,
      ...(this.opts.maxEvents ? { maxEvents: this.opts.maxEvents } : {}),
      onAttached: (variant) => hooks.attached(spec.id, { variant, at: Date.now() }),
      onEvents: (batch) => hooks.events(spec.id, batch),
    }).then(
      (result) => ({ status: statusOf(result.stoppedBy), result }),
      (err: Error) => ({
        status: 'failed' as const,
        result: buildEnvelope({
          jobId: spec.id, probe: spec.probe, probeVersion: entry.version, params: spec.params, kind: entry.output ?? 'report', variant: null,
          startedAt, endedAt: Date.now(), stoppedBy: 'error', data: null, events: 0, lost: 0, warnings: [],
          error: { type: 'internal', message: `the job failed: ${err.message}` },
        }),
      }),
    ).then(({ status, result }) => {
      // not running any more once its result is told: a new job may start from the done hook on
      this.jobs.delete(spec.id);
      hooks.done(spec.id, status, result);
    });
    this.jobs.set(spec.id, { abort, ended });
  }

  stop(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || job.abort.signal.aborted) return !!job;
    job.abort.abort();
    return true;
  }

  running(): string[] {
    return [...this.jobs.keys()];
  }

  async close(): Promise<void> {
    const ended = [...this.jobs.values()].map((j) => j.ended);
    for (const id of this.jobs.keys()) this.stop(id);
    await Promise.all(ended);
  }
}
