/**
 * JobRunner: runs jobs in a piscina pool of worker threads, one job per worker at a time.
 *
 * Every ending goes through finish(): deadline and early stop end inside the worker (which closes its
 * BPF object before answering); a worker that does not answer within the grace period is terminated,
 * and the addon's environment cleanup hook releases its kernel objects with the thread.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import {
  ownerGroups,
  type OwnerBy,
  type OwnerResolver,
  type ProbeDefinition,
  type ResultEnvelope,
} from '@sonde/probe-sdk';
import type { JobEvents, JobSpec, JobStatus, RunnerApi } from './api.js';
import type { Catalog, CatalogEntry } from './catalog.js';
import { outcomeEnvelope } from './envelope.js';
import { DEFAULT_MAX_EVENTS, EventKeeper } from './event-keeper.js';
import { importProbe, type JobOutcome } from './execute.js';
import { EventBatch } from './event-batch.js';
import { admitJob } from './admit.js';
import { attachResultOwners, OwnerFilterRefresh, ownerFilterIds, type OwnerRefreshOptions } from './owners.js';
import type { WorkerTask } from './worker.js';

export interface RunnerOptions {
  catalog: Catalog;
  hooks: JobEvents;
  /** global limit on running jobs (default 8) */
  maxRunning?: number;
  /** workers kept warm while idle (default 1) */
  minThreads?: number;
  /** time a stopped or finished-by-deadline worker gets to answer before it is terminated */
  graceMs?: number;
  /** extra time a job may spend loading before its deadline clock starts (matches JobContext) */
  loadTimeoutMs?: number;
  /** events kept in a stored result (default 100 000); counts stay exact past it */
  maxEvents?: number;
  /**
   * The process's owner resolution (cgroup tree + pod cache): owner filters become kernel id sets
   * (refreshed while jobs run), `owner` is attached to events, rows and keys here in this thread, and
   * by: pod/container groups are answered. Without it, owner filters are refused.
   */
  owners?: OwnerResolver;
  ownerRefresh?: OwnerRefreshOptions;
}

interface Running {
  spec: JobSpec;
  entry: CatalogEntry;
  port: MessageChannel['port1'];
  abort: AbortController;
  startedAt: number;
  variant: string | null;
  keeper: EventKeeper;
  /** problems decoding raw records on this side, added to the result's warnings */
  warnings: string[];
  killTimer: NodeJS.Timeout;
  stopping: boolean;
  finished: boolean;
}

interface WorkerMessage {
  t: string;
  variant?: string;
  at?: number;
  batch?: unknown[];
  buf?: Uint8Array;
  records?: number;
  outcome?: JobOutcome;
  req?: number;
  ids?: string[];
  by?: OwnerBy;
}

export class JobRunner implements RunnerApi {
  readonly maxRunning: number;
  private readonly pool: Piscina;
  private readonly jobs = new Map<string, Running>();
  private readonly graceMs: number;
  private readonly loadTimeoutMs: number;
  private readonly ownerRefresh: OwnerFilterRefresh | undefined;
  /** results whose owners are being attached; close() waits for them */
  private readonly completing = new Set<Promise<void>>();

  constructor(private readonly opts: RunnerOptions) {
    this.maxRunning = opts.maxRunning ?? 8;
    this.graceMs = opts.graceMs ?? 3000;
    this.loadTimeoutMs = opts.loadTimeoutMs ?? 30_000;
    this.ownerRefresh = opts.owners ? new OwnerFilterRefresh(opts.owners, opts.ownerRefresh) : undefined;
    this.pool = new Piscina({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: Math.min(opts.minThreads ?? 1, this.maxRunning),
      maxThreads: this.maxRunning,
      concurrentTasksPerWorker: 1,
      idleTimeout: 10 * 60_000,
      atomics: 'disabled',
    });
  }

  running(): string[] {
    return [...this.jobs.keys()];
  }

  start(spec: JobSpec): void {
    const entry = admitJob(this.opts.catalog, spec.probe, this.jobs.size, this.maxRunning);
    // container/pod/podSelector/cgroup → the kernel's id set; a 400 naming the field when nothing matches
    const ownerIds = ownerFilterIds(spec.params, this.opts.owners);

    const { port1, port2 } = new MessageChannel();
    const abort = new AbortController();
    const job: Running = {
      spec,
      entry,
      port: port1,
      abort,
      startedAt: Date.now(),
      variant: null,
      keeper: new EventKeeper(this.opts.maxEvents ?? DEFAULT_MAX_EVENTS),
      warnings: [],
      stopping: false,
      finished: false,
      killTimer: setTimeout(
        () => this.kill(spec.id, 'the job overran its deadline and its worker was terminated'),
        spec.durationMs + this.loadTimeoutMs + this.graceMs,
      ),
    };
    this.jobs.set(spec.id, job);
    // Raw records (drainEvents' mainThread) are decoded here with the probe definition's decode; until
    // its import resolves, messages wait in `queued`, so their order never changes.
    let def: ProbeDefinition | null | undefined;
    let queued: WorkerMessage[] | null = null;
    const handle = (m: WorkerMessage) => {
      if (m.t === 'attached') {
        job.variant = m.variant ?? null;
        this.opts.hooks.attached(spec.id, { variant: m.variant ?? '', at: m.at ?? Date.now() });
      } else if ((m.t === 'events' && m.batch) || (m.t === 'records' && m.buf)) {
        const batch = (m.batch ? EventBatch.of(m.batch) : EventBatch.fromProbe(def ?? null, m.buf!, m.records ?? 0, job.warnings)).ownersFrom(this.opts.owners);
        if (batch.length === 0) return;
        job.keeper.add(batch);
        this.opts.hooks.events(spec.id, batch);
      } else if (m.t === 'owner-groups' && m.req !== undefined) {
        const ids = m.ids ?? [];
        const owners = this.opts.owners;
        const answer = owners && m.by ? ownerGroups(ids, m.by, owners) : Promise.resolve(new Map(ids.map((id) => [id, { key: id, cgroup: id }])));
        answer.then(
          (groups) => job.port.postMessage({ t: 'owner-groups', req: m.req, groups: [...groups] }),
          () => job.port.postMessage({ t: 'owner-groups', req: m.req, groups: ids.map((id) => [id, { key: id, cgroup: id }]) }),
        );
      } else if (m.t === 'done' && m.outcome) {
        this.finish(job, m.outcome);
      }
    };
    port1.on('message', (m: WorkerMessage) => {
      if (queued) {
        queued.push(m);
      } else if (m.t === 'records' && def === undefined) {
        const q: WorkerMessage[] = [m];
        queued = q;
        importProbe(entry.modulePath!)
          .then(
            (d) => {
              def = d;
            },
            (err: Error) => {
              def = null;
              job.warnings.push(`events not decoded: cannot import the probe module (${err.message})`);
            },
          )
          .finally(() => {
            queued = null;
            for (const x of q) handle(x);
          });
      } else {
        handle(m);
      }
    });
    const task: WorkerTask = {
      jobId: spec.id,
      modulePath: entry.modulePath,
      params: spec.params,
      durationMs: spec.durationMs,
      ...(spec.budget ? { budget: spec.budget } : {}),
      ...(ownerIds ? { ownerIds } : {}),
      port: port2,
    };
    if (ownerIds) this.ownerRefresh?.add(spec.id, spec.params, ownerIds, (ids) => port1.postMessage({ t: 'owner-ids', ids }));
    this.pool.run(task, { transferList: [port2] as never, signal: abort.signal }).then(
      (outcome: JobOutcome) => {
        // 'done' normally arrives first on the port (ordered after the events); this is the backstop
        setTimeout(() => this.finish(job, outcome), 200).unref();
      },
      (err: Error) => {
        const killed = abort.signal.aborted;
        this.finish(job, {
          data: null,
          variant: job.variant,
          warnings: [],
          events: job.keeper.seen,
          lost: 0,
          stoppedBy: 'error',
          error: {
            type: 'internal',
            message: killed ? String(abort.signal.reason ?? 'worker terminated') : `worker failed: ${err.message}`,
          },
          startedAt: job.startedAt,
          endedAt: Date.now(),
        });
      },
    );
  }

  stop(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || job.finished) return false;
    if (!job.stopping) {
      job.stopping = true;
      job.port.postMessage({ t: 'stop' });
      clearTimeout(job.killTimer);
      job.killTimer = setTimeout(() => this.kill(id, 'the job did not stop in time and its worker was terminated'), this.graceMs);
    }
    return true;
  }

  /** Terminate a job's worker thread outright (its kernel objects go with the thread). */
  kill(id: string, reason = 'worker terminated'): boolean {
    const job = this.jobs.get(id);
    if (!job || job.finished) return false;
    job.abort.abort(reason);
    return true;
  }

  async close(): Promise<void> {
    const pending = [...this.jobs.keys()];
    for (const id of pending) this.stop(id);
    const until = Date.now() + this.graceMs + 1000;
    while (this.jobs.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await Promise.all([...this.completing]);
    await this.pool.destroy();
  }

  private finish(job: Running, o: JobOutcome): void {
    if (job.finished) return;
    job.finished = true;
    clearTimeout(job.killTimer);
    this.ownerRefresh?.remove(job.spec.id);
    this.jobs.delete(job.spec.id);
    const owners = this.opts.owners;
    if (!owners) {
      job.port.close();
      this.complete(job, o);
      return;
    }
    // owners on the kept events and on the result's rows and keys before anyone sees the result
    const p = (async () => {
      await job.keeper.ready();
      await this.complete(job, o, (r) => attachResultOwners(r, owners));
    })()
      .catch((err: Error) => console.error(`sonde: job ${job.spec.id}: ${err.message}`))
      .finally(() => {
        job.port.close();
        this.completing.delete(p);
      });
    this.completing.add(p);
  }

  private complete(job: Running, o: JobOutcome, withOwners?: (r: ResultEnvelope) => Promise<void>): void | Promise<void> {
    const result: ResultEnvelope = outcomeEnvelope(
      { jobId: job.spec.id, probe: job.spec.probe, params: job.spec.params },
      job.entry,
      { ...o, variant: o.variant ?? job.variant },
      job.keeper,
    );
    // after the envelope: decoding the kept events may have added warnings
    for (const w of job.warnings) if (!result.warnings.includes(w)) result.warnings.push(w);
    const status: JobStatus =
      o.stoppedBy === 'error' ? 'failed' : o.stoppedBy === 'cancel' || o.stoppedBy === 'budget' ? 'stopped' : 'succeeded';
    if (!withOwners) {
      this.opts.hooks.done(job.spec.id, status, result);
      return;
    }
    return withOwners(result).then(() => this.opts.hooks.done(job.spec.id, status, result));
  }
}
