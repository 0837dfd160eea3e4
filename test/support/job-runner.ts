/**
 * A JobRunner over the discovered probes, driven as control-api drives it, for kernel tests: each
 * job's attach time, live event count and end are recorded by job id; `stopMidStream` stops a job
 * mid-stream and checks the partial result comes back as a cancel, long before the job's deadline.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { Catalog, JobRunner, type JobStatus } from '@sonde/core-loader';
import type { OwnerResolver, ResultEnvelope } from '@sonde/probe-sdk';
import { programsLeft } from './kernel.js';

export interface Ended<D = unknown> {
  status: JobStatus;
  result: ResultEnvelope<D>;
  /** when the runner reported the end (ms since the epoch) */
  at: number;
}

/** far below every stopped job's remaining time (their deadlines are ≥ 30 s out), far above any stop's latency */
const STOP_BOUND_MS = 10_000;

export class TestRunner {
  /** job id -> when its programs were attached */
  readonly attached = new Map<string, number>();
  /** job id -> events received live so far */
  readonly streamed = new Map<string, number>();
  readonly runner: JobRunner;
  private readonly ends = new Map<string, (e: Ended) => void>();

  private constructor(
    readonly catalog: Catalog,
    maxRunning: number,
    owners?: OwnerResolver,
  ) {
    this.runner = new JobRunner({
      catalog,
      maxRunning,
      graceMs: 1500,
      ...(owners ? { owners, ownerRefresh: { tickMs: 200, walkMs: 500 } } : {}),
      hooks: {
        attached: (id, info) => this.attached.set(id, info.at),
        events: (id, batch) => this.streamed.set(id, (this.streamed.get(id) ?? 0) + batch.length),
        done: (id, status, result) => this.ends.get(id)?.({ status, result, at: Date.now() }),
      },
    });
  }

  /** `owners`: the process's owner resolution, as control-api's main.ts gives it (owner filters, `owner`, by pod) */
  static async open(maxRunning = 1, owners?: OwnerResolver): Promise<TestRunner> {
    return new TestRunner(await Catalog.discover(), maxRunning, owners);
  }

  /**
   * One TestRunner for the tests of the enclosing describe: opened before the first, closed after
   * the last, and then none of the project's programs may be left loaded. Read `.t` inside tests.
   */
  static use(maxRunning = 1, owners?: () => OwnerResolver): { readonly t: TestRunner } {
    const holder: { t: TestRunner } = { t: undefined as unknown as TestRunner };
    beforeAll(async () => {
      holder.t = await TestRunner.open(maxRunning, owners?.());
    });
    afterAll(async () => {
      await holder.t?.close();
      expect(await programsLeft()).toEqual([]);
    });
    return holder;
  }

  /** start a job (params validated by the probe's schema); the promise is its end */
  start<D = unknown>(id: string, probe: string, params: Record<string, unknown>, durationMs: number): Promise<Ended<D>> {
    const done = new Promise<Ended<D>>((resolve) => this.ends.set(id, resolve as (e: Ended) => void));
    this.runner.start({ id, probe, params: this.catalog.validateParams(probe, params), durationMs });
    return done;
  }

  /** poll every `stepMs` until `cond` holds or `ms` have passed; whether it holds */
  async until(cond: () => boolean, ms = 10_000, stepMs = 5): Promise<boolean> {
    const end = Date.now() + ms;
    while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, stepMs));
    return cond();
  }

  /**
   * Stop a running job: it ends 'stopped' by 'cancel' with its partial result. How fast is a goal
   * for a benchmark (`npm run bench` measures stop latency), not a test: under TCG a guest runs
   * JavaScript ~15× slower. The bound here is what holds anywhere — the stop, not the job's own
   * deadline (tens of seconds away), ended it. `stopMs` is printed for the record.
   */
  async stopMidStream<D>(id: string, done: Promise<Ended<D>>): Promise<Ended<D> & { stopMs: number }> {
    const t0 = Date.now();
    expect(this.runner.stop(id)).toBe(true);
    const e = await done;
    const stopMs = e.at - t0;
    console.log(`${id}: stopped ${stopMs} ms after the stop`);
    expect(stopMs).toBeLessThan(STOP_BOUND_MS);
    expect(e.status).toBe('stopped');
    expect(e.result.stoppedBy).toBe('cancel');
    return { ...e, stopMs };
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}
