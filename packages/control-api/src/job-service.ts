/**
 * The one job service: creating, stopping and waiting for a job, whoever asks — POST /v1/jobs,
 * POST /v1/checks (a direct call, not a request into the app) and `sonde run` in-process. Creating
 * checks, in order: the request's shape (for callers without a route's zod hook), the configured
 * duration limit, the OTLP destination, the probe and its params against the catalogue, the running
 * limits; then it stores the row and starts the runner, whose own refusals (an owner filter that
 * matches nothing: a 400 naming `params.<field>`; the global limit in a race) leave no row behind.
 * Every refusal is a typed SondeError: the API maps it to problem+json in one place, the CLI prints
 * its message and type.
 */
import type { CatalogApi, RunnerApi } from '@sonde/core-loader';
import { BadParamsError, NotFoundError, SondeError, TooManyJobsError } from '@sonde/probe-sdk';
import type { z } from '@hono/zod-openapi';
import { ANONYMOUS, type Principal } from './auth.js';
import type { AuditSink } from './audit.js';
import { newJobId } from './ids.js';
import { resolveDestination, type OtlpConfig, type OtlpDestination } from './otlp/config.js';
import { CreateJobSchema, DEFAULT_MAX_DURATION_MS } from './schemas.js';
import { isFinished, type Job, type NewJob } from './store.js';
import { zodIssues } from './validation.js';

export { MemoryJobs } from './memory-jobs.js';

/** A job request once its shape is checked: POST /v1/jobs's body with its defaults applied. */
export type JobRequest = z.output<typeof CreateJobSchema>;

export interface JobLimits {
  /** longest durationMs a job may ask for (default 600 000) */
  maxDurationMs?: number;
  /** running jobs per probe: a default and per-name overrides */
  maxJobsPerProbe?: { default: number; byProbe: Record<string, number> };
}

/** What the service needs of a job table: the SQLite JobStore, or MemoryJobs for one CLI run. */
export interface JobRecords {
  insert(job: NewJob): void;
  get(id: string): Job | undefined;
  /** a row that never started (the runner refused it) */
  remove(id: string): void;
}

/** The OTLP side of a job (OtlpExporter): the server's allow-list and the exports jobs asked for. */
export interface ExportSink {
  readonly config: OtlpConfig;
  expect(id: string, dest: OtlpDestination): void;
  forget(id: string): void;
}

export interface JobServiceDeps {
  catalog: Pick<CatalogApi, 'get' | 'validateParams'>;
  runner: RunnerApi;
  store: JobRecords;
  limits?: JobLimits | undefined;
  audit?: AuditSink | undefined;
  otlp?: ExportSink | undefined;
}

/**
 * Check `body` against POST /v1/jobs's schema, as the route's validation hook does: a BadParamsError
 * naming each field. `without`: the caller's own keys, taken out first (a check's assertions, a fleet
 * job's selector); any other unknown key is refused.
 */
export function parseJobRequest(body: unknown, without: readonly string[] = []): JobRequest {
  const fields = body && typeof body === 'object' && !Array.isArray(body)
    ? Object.fromEntries(Object.entries(body).filter(([k]) => !without.includes(k)))
    : body;
  const r = CreateJobSchema.safeParse(fields);
  if (r.success) return r.data;
  const errors = zodIssues(r.error.issues, 'body');
  throw new BadParamsError(`invalid body: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
}

export class JobService {
  readonly maxDurationMs: number;
  /** wakes wait() at once when told a job ended (ended()); otherwise it polls */
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly deps: JobServiceDeps) {
    this.maxDurationMs = deps.limits?.maxDurationMs ?? DEFAULT_MAX_DURATION_MS;
  }

  /**
   * What create() checks before it looks at the running jobs: the duration limit, the OTLP
   * destination, the probe and its params. The params as the probe's schema parsed them.
   */
  validate(req: JobRequest): { params: unknown; exportTo: OtlpDestination | undefined } {
    if (req.durationMs > this.maxDurationMs) {
      const message = `at most ${this.maxDurationMs} ms on this server (SONDE_MAX_DURATION_MS)`;
      throw new BadParamsError(`durationMs: ${message}`, [{ field: 'durationMs', message }]);
    }
    // a destination from the server's allow-list, never a URL from the request; 400 naming the known ones
    const exportTo = req.export ? resolveDestination(this.deps.otlp?.config, req.export.otlp) : undefined;
    // throws UnknownProbeError (404), ProbeUnavailableError (422), BadParamsError naming params.<field> (400)
    const params = this.deps.catalog.validateParams(req.probe, req.params);
    return { params, exportTo };
  }

  /** Create and start a job; the job as stored (queued). Throws the SondeError the API answers with. */
  create(req: JobRequest, who: Principal = ANONYMOUS): Job {
    const { catalog, runner, store, otlp } = this.deps;
    const { params, exportTo } = this.validate(req);
    const info = catalog.get(req.probe);
    this.checkRunning(req.probe);
    const id = newJobId();
    store.insert({
      id,
      probe: req.probe,
      probeVersion: info?.version ?? 'unknown',
      kind: info?.output ?? null,
      params,
      durationMs: req.durationMs,
      createdAt: Date.now(),
    });
    const budget = req.budget ? { ...req.budget } : undefined;
    if (exportTo) otlp?.expect(id, exportTo);
    try {
      runner.start({ id, probe: req.probe, params, durationMs: req.durationMs, ...(budget ? { budget } : {}) });
    } catch (err) {
      // never started: leave no row behind (an owner filter matching nothing, a 429 race, a runner fault)
      store.remove(id);
      otlp?.forget(id);
      throw err;
    }
    this.deps.audit?.write({
      action: 'job.start',
      who: who.name,
      role: who.role,
      job: id,
      probe: req.probe,
      params,
      durationMs: req.durationMs,
      ...(budget ? { budget } : {}),
      ...(exportTo ? { export: { otlp: exportTo.name } } : {}),
    });
    return this.get(id);
  }

  /** The job; NotFoundError (404) when there is none. */
  get(id: string): Job {
    const job = this.deps.store.get(id);
    if (!job) throw new NotFoundError(`job '${id}'`);
    return job;
  }

  /** Ask a running job to stop; its partial result arrives through the runner. Conflict (409) once ended. */
  stop(id: string, who: Principal = ANONYMOUS): Job {
    const job = this.get(id);
    if (isFinished(job.status)) {
      throw new SondeError('conflict', `job '${id}' already ended (${job.status})`, { status: job.status });
    }
    this.deps.runner.stop(id);
    this.deps.audit?.write({ action: 'job.stop', who: who.name, role: who.role, job: id, probe: job.probe, params: job.params });
    // the runner may have delivered `done` already (or the job ended just now): show what is stored
    return this.get(id);
  }

  /** The job once it has ended. Whoever stores results may call ended(id) to answer at once. */
  async wait(id: string, pollMs = 200): Promise<Job> {
    for (;;) {
      const job = this.get(id);
      if (isFinished(job.status)) return job;
      await new Promise<void>((resolve) => {
        const set = this.waiters.get(id) ?? new Set();
        this.waiters.set(id, set);
        const wake = () => {
          clearTimeout(timer);
          set.delete(wake);
          if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id);
          resolve();
        };
        const timer = setTimeout(wake, pollMs);
        set.add(wake);
      });
    }
  }

  /** a job's result is stored: wake its waiters */
  ended(id: string): void {
    for (const wake of [...(this.waiters.get(id) ?? [])]) wake();
  }

  /** 429 at the global or the per-probe limit, with a Retry-After that fits the running jobs */
  private checkRunning(probe: string): void {
    const { runner, store } = this.deps;
    const running = runner.running();
    if (running.length >= runner.maxRunning) throw new TooManyJobsError(runner.maxRunning, this.retryAfterS());
    const perProbe = this.deps.limits?.maxJobsPerProbe;
    if (!perProbe) return;
    const limit = perProbe.byProbe[probe] ?? perProbe.default;
    const same = running.filter((id) => store.get(id)?.probe === probe).length;
    if (same >= limit) {
      throw new SondeError('too-many-jobs', `already running the maximum of ${limit} '${probe}' jobs`, {
        limit,
        probe,
        retryAfter: this.retryAfterS(Date.now(), probe),
      });
    }
  }

  /** Seconds until the soonest running job (of `probe`, when given) reaches its deadline: a fair Retry-After. */
  private retryAfterS(now = Date.now(), probe?: string): number {
    let soonest = Infinity;
    for (const id of this.deps.runner.running()) {
      const job = this.deps.store.get(id);
      if (!job || (probe !== undefined && job.probe !== probe)) continue;
      const start = Date.parse(job.attachedAt ?? job.createdAt);
      soonest = Math.min(soonest, start + job.durationMs - now);
    }
    return Number.isFinite(soonest) ? Math.min(600, Math.max(1, Math.ceil(soonest / 1000))) : 5;
  }
}
