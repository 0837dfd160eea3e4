/**
 * Stopping a report job mid-stream (tcptop with 200 ms intervals, via JobRunner as the API does on
 * DELETE) returns the partial result — the intervals so far plus the total —, and
 * leaves nothing loaded.
 */
import { expect, it } from 'vitest';
import { TestRunner } from '../../../test/support/job-runner.js';
import { describeKernel } from '../../../test/support/kernel.js';
import { pyPeer } from '../../../test/support/pytcp.js';

describeKernel('tcptop stop mid-stream', () => {
  const r = TestRunner.use();

  it('returns the partial result', async () => {
    const { t } = r;
    const id = 'tcptop-stop-1';
    const done = t.start<{ intervals: unknown[]; total: { rows: Array<{ comm: string; txBytes: number }> } }>(id, 'tcptop', { intervalMs: 200, rows: 1000 }, 30_000);
    // loading and attaching through a worker takes seconds under TCG: a bound that holds there
    const until = Date.now() + 45_000;
    await t.until(() => t.attached.has(id), until - Date.now());
    expect(t.attached.has(id)).toBe(true);
    const srv = pyPeer('server', 'tts_srv', '127.0.0.1', 0, [10_000, 10_000]);
    await pyPeer('client', 'tts_cli', '127.0.0.1', await srv.port, [10_000, 10_000, 1000]).done;
    await srv.done;
    // at least two intervals streamed live
    await t.until(() => (t.streamed.get(id) ?? 0) >= 2, until - Date.now(), 10);
    const e = await t.stopMidStream(id, done);
    const data = e.result.data!;
    expect(data.intervals.length).toBeGreaterThanOrEqual(2);
    expect(data.total.rows.find((r) => r.comm === 'tts_cli')?.txBytes).toBe(10_000);
  });
});
