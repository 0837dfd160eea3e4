/**
 * The job runner against the real kernel with the real tcprtt probe: every way a job can end
 * leaves nothing loaded, and the pool keeps serving.
 */
import { beforeAll, expect, it } from 'vitest';
import { TestRunner, type Ended } from './support/job-runner.js';
import { describeKernel, loadedPrograms, programsLeft } from './support/kernel.js';

describeKernel('JobRunner on the real kernel', () => {
  const r = TestRunner.use(2);
  let t: TestRunner;
  let runner: TestRunner['runner'];
  let seq = 0;

  function start(durationMs: number, params: Record<string, unknown> = {}): { id: string; done: Promise<Ended> } {
    const id = `rt-${++seq}`;
    return { id, done: t.start(id, 'tcprtt', params, durationMs) };
  }

  async function untilAttached(id: string, ms = 10_000): Promise<number> {
    await t.until(() => t.attached.has(id), ms);
    return t.attached.get(id) ?? -1;
  }

  beforeAll(() => {
    ({ t } = r);
    runner = t.runner;
    expect(t.catalog.get('tcprtt')?.available, t.catalog.get('tcprtt')?.reason).toBe(true);
  });

  it('ends at the deadline with a result envelope and nothing left attached', async () => {
    const { id, done } = start(400, {});
    expect(await untilAttached(id)).toBeGreaterThan(0);
    expect(loadedPrograms()).toContain('tcprtt_tp_btf');
    const e = await done;
    expect(e.status).toBe('succeeded');
    expect(e.result.stoppedBy).toBe('deadline');
    expect(e.result.variant).toBe('tp_btf');
    expect(e.result.probe).toBe('tcprtt');
    expect(e.result.probeVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(e.result.durationMs).toBeGreaterThanOrEqual(400);
    expect(e.result.data).not.toBeNull();
    expect(await programsLeft()).toEqual([]);
  });

  it('stops early with the partial result', async () => {
    const { id, done } = start(30_000);
    await untilAttached(id);
    const e = await t.stopMidStream(id, done);
    expect(e.result.data).not.toBeNull();
    expect(await programsLeft()).toEqual([]);
  });

  it('refuses a job over the global limit', async () => {
    const a = start(30_000);
    const b = start(30_000);
    expect(() => start(30_000)).toThrow(/maximum of 2 jobs/);
    await Promise.all([untilAttached(a.id), untilAttached(b.id)]);
    runner.stop(a.id);
    runner.stop(b.id);
    await Promise.all([a.done, b.done]);
    expect(await programsLeft()).toEqual([]);
  });

  it('releases kernel objects when the worker thread is terminated, and keeps serving', async () => {
    const { id, done } = start(30_000);
    await untilAttached(id);
    expect(loadedPrograms()).toContain('tcprtt_tp_btf');
    expect(runner.kill(id, 'test terminated the worker')).toBe(true);
    const e = await done;
    expect(e.status).toBe('failed');
    expect(e.result.error?.message).toMatch(/test terminated the worker/);
    // the thread's teardown closes its objects; give the kernel a moment to free them
    expect(await programsLeft(3000)).toEqual([]);
    const next = start(300);
    expect((await next.done).status).toBe('succeeded');
    expect(await programsLeft()).toEqual([]);
  });
});
