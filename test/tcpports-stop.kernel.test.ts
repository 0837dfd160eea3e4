/**
 * Stopping a tcpports series mid-stream (100 ms snapshots, via JobRunner as the API does on DELETE)
 * returns the partial result — the snapshots so far, the last one as the top level — within 200 ms,
 * in a worker thread, and leaves nothing loaded.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog, JobRunner, type JobStatus } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from './support/kernel.js';

describeKernel('tcpports stop mid-series', () => {
  let catalog: Catalog;
  let runner: JobRunner;
  const attached = new Set<string>();
  const streamed = new Map<string, number>();
  let resolveDone!: (e: { status: JobStatus; result: ResultEnvelope; at: number }) => void;

  beforeAll(async () => {
    catalog = await Catalog.discover();
    runner = new JobRunner({
      catalog,
      maxRunning: 1,
      graceMs: 1500,
      hooks: {
        attached: (id) => attached.add(id),
        events: (id, batch) => streamed.set(id, (streamed.get(id) ?? 0) + batch.length),
        done: (_id, status, result) => resolveDone({ status, result, at: Date.now() }),
      },
    });
  });
  afterAll(async () => {
    await runner?.close();
    expect(await programsLeft()).toEqual([]);
  });

  it('returns the snapshots so far within 200 ms', async () => {
    const done = new Promise<{ status: JobStatus; result: ResultEnvelope; at: number }>((r) => (resolveDone = r));
    const id = 'tcpports-stop-1';
    runner.start({ id, probe: 'tcpports', params: catalog.validateParams('tcpports', { intervalMs: 100 }), durationMs: 30_000 });
    const until = Date.now() + 10_000;
    while ((streamed.get(id) ?? 0) < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(attached.has(id)).toBe(true);
    const t0 = Date.now();
    expect(runner.stop(id)).toBe(true);
    const e = await done;
    expect(e.at - t0).toBeLessThan(200);
    expect(e.status).toBe('stopped');
    expect(e.result.stoppedBy).toBe('cancel');
    const data = e.result.data as { sockets: number; series: Array<{ sockets: number }> };
    expect(data.series.length).toBeGreaterThanOrEqual(3);
    expect(data.sockets).toBe(data.series.at(-1)!.sockets);
  });
});
