/**
 * Stopping a tcpports series mid-stream (100 ms snapshots, via JobRunner as the API does on DELETE)
 * returns the partial result — the snapshots so far, the last one as the top level —
 * in a worker thread, and leaves nothing loaded.
 */
import { expect, it } from 'vitest';
import { TestRunner } from '../../../test/support/job-runner.js';
import { describeKernel } from '../../../test/support/kernel.js';

describeKernel('tcpports stop mid-series', () => {
  const r = TestRunner.use();

  it('returns the snapshots so far', async () => {
    const { t } = r;
    const id = 'tcpports-stop-1';
    const done = t.start<{ sockets: number; series: Array<{ sockets: number }> }>(id, 'tcpports', { intervalMs: 100 }, 30_000);
    await t.until(() => (t.streamed.get(id) ?? 0) >= 3, 10_000, 10);
    expect(t.attached.has(id)).toBe(true);
    const e = await t.stopMidStream(id, done);
    const data = e.result.data!;
    expect(data.series.length).toBeGreaterThanOrEqual(3);
    expect(data.sockets).toBe(data.series.at(-1)!.sockets);
  });
});
