/**
 * Stopping a report job mid-stream (tcptop with 200 ms intervals, via JobRunner as the API does on
 * DELETE) returns the partial result — the intervals so far plus the total — within 200 ms, and
 * leaves nothing loaded.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog, JobRunner, type JobStatus } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from './support/kernel.js';
import { pyPeer } from './support/pytcp.js';

describeKernel('tcptop stop mid-stream', () => {
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

  it('returns the partial result within 200 ms', async () => {
    const done = new Promise<{ status: JobStatus; result: ResultEnvelope; at: number }>((r) => (resolveDone = r));
    const id = 'tcptop-stop-1';
    runner.start({ id, probe: 'tcptop', params: catalog.validateParams('tcptop', { intervalMs: 200, rows: 1000 }), durationMs: 30_000 });
    const until = Date.now() + 10_000;
    while (!attached.has(id) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    expect(attached.has(id)).toBe(true);
    const srv = pyPeer('server', 'tts_srv', '127.0.0.1', 0, [10_000, 10_000]);
    await pyPeer('client', 'tts_cli', '127.0.0.1', await srv.port, [10_000, 10_000, 1000]).done;
    await srv.done;
    // at least two intervals streamed live
    while ((streamed.get(id) ?? 0) < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    expect(runner.stop(id)).toBe(true);
    const e = await done;
    expect(e.at - t0).toBeLessThan(200);
    expect(e.status).toBe('stopped');
    expect(e.result.stoppedBy).toBe('cancel');
    const data = e.result.data as { intervals: unknown[]; total: { rows: Array<{ comm: string; txBytes: number }> } };
    expect(data.intervals.length).toBeGreaterThanOrEqual(2);
    expect(data.total.rows.find((r) => r.comm === 'tts_cli')?.txBytes).toBe(10_000);
  });
});
