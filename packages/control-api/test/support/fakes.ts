/**
 * Test-only stand-ins for the loader's Catalog and JobRunner, implementing the same contracts
 * (CatalogApi, RunnerApi), for the control plane's tests through `app.request()`. Outside src/:
 * never built, never shipped, and not what the OpenAPI document is made from.
 */
import { hostname, release } from 'node:os';
import { z } from 'zod';
import { EventBatch, type CatalogApi, type JobEvents, type JobSpec, type JobStatus, type ProbeInfo, type RunnerApi } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import { BadParamsError, ProbeUnavailableError, TooManyJobsError, UnknownProbeError } from '@sonde/probe-sdk';

const port = z.int().min(1).max(65535);

/** roughly the real tcprtt params: filters plus histogram options */
export const tcprttParams = z.strictObject({
  lport: port.optional(),
  rport: port.optional(),
  laddr: z.string().optional(),
  raddr: z.string().optional(),
  milliseconds: z.boolean().default(false),
  byRemote: z.boolean().default(false),
});

export const fakeEventsParams = z.strictObject({
  count: z.int().min(0).max(1_000_000).default(20),
  batch: z.int().min(1).max(10_000).default(5),
  everyMs: z.int().min(0).max(10_000).default(2),
});

interface FakeProbe {
  info: ProbeInfo;
  schema: z.ZodType;
}

export class FakeCatalog implements CatalogApi {
  readonly probes = new Map<string, FakeProbe>();

  constructor() {
    this.add(
      {
        name: 'tcprtt',
        version: '0.1.0',
        summary: 'TCP round-trip time histogram',
        output: 'histogram',
        available: true,
        variant: 'tp_btf',
        packageName: '@sonde/probes-tcprtt',
      },
      tcprttParams,
    );
    this.add(
      {
        name: 'tcpdrop',
        version: '0.1.0',
        summary: 'TCP packet drops with reasons',
        output: 'events',
        available: false,
        reason: 'needs kprobe tcp_drop, which this kernel does not build in',
        packageName: '@sonde/probes-tcpdrop',
      },
      z.object({}),
    );
  }

  /** an event probe whose fake run emits `count` events, `batch` at a time, every `everyMs` */
  addFakeEvents(): this {
    this.add(
      { name: 'fakeevents', version: '0.1.0', summary: 'fake event stream', output: 'events', available: true, variant: 'tp_btf', packageName: '@sonde/probes-fakeevents' },
      fakeEventsParams,
    );
    return this;
  }

  add(info: Omit<ProbeInfo, 'paramsSchema'>, schema: z.ZodType): void {
    this.probes.set(info.name, {
      info: { ...info, paramsSchema: z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown> },
      schema,
    });
  }

  list(): ProbeInfo[] {
    return [...this.probes.values()].map((p) => p.info);
  }

  get(name: string): ProbeInfo | undefined {
    return this.probes.get(name)?.info;
  }

  validateParams(name: string, params: unknown): unknown {
    const p = this.probes.get(name);
    if (!p) throw new UnknownProbeError(name);
    if (!p.info.available) throw new ProbeUnavailableError(name, p.info.reason ?? 'unavailable');
    const r = p.schema.safeParse(params ?? {});
    if (r.success) return r.data;
    const issues = r.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => ({ field: ['params', ...i.path.map(String), k].join('.'), message: 'unknown field' }))
        : [{ field: ['params', ...i.path.map(String)].join('.'), message: i.message }],
    );
    throw new BadParamsError(`invalid params for '${name}': ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues);
  }

  render(name: string, data: unknown): string {
    if (!this.probes.has(name)) throw new UnknownProbeError(name);
    const h = data as { buckets: Array<{ lo: number; hi: number; count: number }> };
    return h.buckets.map((b) => `${String(b.lo).padStart(10)} -> ${String(b.hi).padEnd(10)}: ${b.count}`).join('\n') + '\n';
  }
}

export interface FakeRunnerOptions {
  hooks: JobEvents;
  maxRunning?: number;
  /** ms from start to `attached` */
  attachAfterMs?: number;
  /** a job's run time is durationMs × timeScale (tests use small scales) */
  timeScale?: number;
  /** make every job end 'failed' with this error */
  failWith?: { type: string; message: string };
  /** events kept in a 'fakeevents' result (SONDE_MAX_EVENTS) */
  maxEvents?: number;
}

interface Running {
  spec: JobSpec;
  startedAt: number;
  variant: string | null;
  timers: NodeJS.Timeout[];
  /** 'fakeevents': the events emitted so far */
  emitted: unknown[];
  ended: Promise<void>;
  end: () => void;
}

/** Runs nothing: attaches after a tick, "collects" a histogram, ends at the (scaled) deadline. */
export class FakeRunner implements RunnerApi {
  readonly maxRunning: number;
  readonly started: JobSpec[] = [];
  private readonly jobs = new Map<string, Running>();

  constructor(private readonly opts: FakeRunnerOptions) {
    this.maxRunning = opts.maxRunning ?? 8;
  }

  start(spec: JobSpec): void {
    if (this.jobs.size >= this.maxRunning) throw new TooManyJobsError(this.maxRunning);
    let end!: () => void;
    const ended = new Promise<void>((r) => (end = r));
    const job: Running = { spec, startedAt: Date.now(), variant: null, timers: [], emitted: [], ended, end };
    this.jobs.set(spec.id, job);
    this.started.push(spec);
    job.timers.push(
      setTimeout(() => {
        job.variant = 'tp_btf';
        this.opts.hooks.attached(spec.id, { variant: 'tp_btf', at: Date.now() });
        if (spec.probe === 'fakeevents') this.emitEvents(job);
      }, this.opts.attachAfterMs ?? 5),
      setTimeout(
        () => this.finish(spec.id, this.opts.failWith ? 'failed' : 'succeeded'),
        spec.durationMs * (this.opts.timeScale ?? 1),
      ),
    );
  }

  stop(id: string): boolean {
    if (!this.jobs.has(id)) return false;
    // like the real runner: the partial result arrives a little later, through `done`
    setTimeout(() => this.finish(id, 'stopped'), 1);
    return true;
  }

  running(): string[] {
    return [...this.jobs.keys()];
  }

  async close(): Promise<void> {
    const pending = [...this.jobs.values()].map((j) => j.ended);
    for (const id of this.jobs.keys()) this.finish(id, 'stopped');
    await Promise.all(pending);
  }

  /** batches of `{i, pid, comm}` on a timer, in order, through the `events` hook */
  private emitEvents(job: Running): void {
    const { count, batch, everyMs } = job.spec.params as z.infer<typeof fakeEventsParams>;
    const tick = () => {
      if (!this.jobs.has(job.spec.id)) return;
      const n = Math.min(batch, count - job.emitted.length);
      const out = Array.from({ length: n }, (_, k) => ({ i: job.emitted.length + k, pid: 1000 + k, comm: 'fake' }));
      job.emitted.push(...out);
      if (out.length) this.opts.hooks.events(job.spec.id, EventBatch.of(out));
      if (job.emitted.length < count) job.timers.push(setTimeout(tick, everyMs));
    };
    tick();
  }

  private finish(id: string, status: JobStatus): void {
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    job.timers.forEach(clearTimeout);
    const now = Date.now();
    const elapsed = now - job.startedAt;
    const events = status === 'stopped' ? 3 : 10;
    const result: ResultEnvelope = {
      jobId: id,
      probe: job.spec.probe,
      probeVersion: '0.1.0',
      params: job.spec.params,
      host: { hostname: hostname(), kernel: release() },
      variant: job.variant,
      startedAt: new Date(job.startedAt).toISOString(),
      endedAt: new Date(now).toISOString(),
      durationMs: elapsed,
      stoppedBy: status === 'stopped' ? 'cancel' : status === 'failed' ? 'error' : 'deadline',
      kind: job.spec.probe === 'fakeevents' ? 'events' : 'histogram',
      data:
        status === 'failed'
          ? null
          : job.spec.probe === 'fakeevents'
            ? { events: job.emitted.slice(0, this.opts.maxEvents ?? 100_000) }
            : {
              unit: 'usecs',
              buckets: [
                { lo: 0, hi: 1, count: 0 },
                { lo: 2, hi: 3, count: events - 1 },
                { lo: 4, hi: 7, count: 1 },
              ],
              count: events,
            },
      stats:
        job.spec.probe === 'fakeevents'
          ? (() => {
              const kept = Math.min(job.emitted.length, this.opts.maxEvents ?? 100_000);
              return { events: job.emitted.length, lost: 0, dropped: job.emitted.length - kept, truncated: kept < job.emitted.length };
            })()
          : { events, lost: 0, dropped: 0, truncated: false },
      warnings: [],
      ...(this.opts.failWith ? { error: this.opts.failWith } : {}),
    };
    this.opts.hooks.done(id, status, result);
    job.end();
  }
}
