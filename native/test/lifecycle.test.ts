import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeKernel, fixture, fixturePrograms, loadedPrograms, native, nativeDir, openFixture, waitFor } from './helpers';

function loaded(ids: number[]): number[] {
  const live = new Set(loadedPrograms().map((p) => p.id));
  return ids.filter((id) => live.has(id));
}

afterAll(async () => {
  expect(await waitFor(() => fixturePrograms().length === 0)).toBe(true);
});

interface WorkerReport {
  ids: number[];
  links: number;
  open: number;
}

async function runWorker(then: 'spin' | 'return' | 'throw'): Promise<{ report: WorkerReport; worker: Worker }> {
  const worker = new Worker(join(nativeDir, 'test', 'worker-load.cjs'), {
    workerData: { path: fixture('fixture'), then },
  });
  const report = await new Promise<WorkerReport>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('worker did not report in 20 s')), 20_000);
    worker.once('message', (m: WorkerReport) => {
      clearTimeout(t);
      resolve(m);
    });
    worker.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
  return { report, worker };
}

describeKernel('lifecycle', () => {
  it('close() releases everything and is idempotent', async () => {
    const before = native.openObjectCount();
    const obj = openFixture();
    expect(native.openObjectCount()).toBe(before + 1);
    obj.load();
    obj.attach();
    obj.ringBuffer('events');
    const ids = obj.programIds();
    expect(ids.length).toBe(2); // sys_enter and the iterator; the '?' tracepoint stays unloaded
    expect(loaded(ids)).toEqual(ids);
    expect(obj.closed).toBe(false);
    obj.close();
    obj.close();
    expect(obj.closed).toBe(true);
    expect(native.openObjectCount()).toBe(before);
    expect(obj.programIds()).toEqual([]);
    expect(await waitFor(() => loaded(ids).length === 0)).toBe(true);
    expect(() => obj.attach()).toThrow(expect.objectContaining({ name: 'BpfError', code: 'EBADF' }));
  });

  it('a terminated worker leaves nothing loaded', async () => {
    const { report, worker } = await runWorker('spin');
    expect(report.links).toBe(1);
    expect(report.open).toBe(1);
    expect(report.ids.length).toBe(2);
    expect(loaded(report.ids)).toEqual(report.ids);
    await worker.terminate();
    expect(await waitFor(() => loaded(report.ids).length === 0)).toBe(true);
    expect(native.openObjectCount()).toBe(0);
  });

  it('a worker that ends or throws with objects open leaves nothing loaded', async () => {
    for (const then of ['return', 'throw'] as const) {
      const { report, worker } = await runWorker(then);
      expect(report.ids.length).toBe(2);
      await new Promise((r) => worker.once('exit', r));
      expect(await waitFor(() => loaded(report.ids).length === 0)).toBe(true);
    }
    expect(fixturePrograms()).toEqual([]);
  });

  it('garbage collection closes an unreachable object', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const before = native.openObjectCount();
    let ids: number[] = [];
    (() => {
      const obj = openFixture();
      obj.load();
      obj.attach();
      ids = obj.programIds();
    })();
    expect(native.openObjectCount()).toBe(before + 1);
    const freed = await waitFor(() => {
      gc();
      return native.openObjectCount() === before;
    }, 10_000, 100);
    expect(freed).toBe(true);
    expect(await waitFor(() => loaded(ids).length === 0)).toBe(true);
  });
});

describeKernel('program stats', () => {
  it('programStats() reports run time and count while enableStats() holds stats on', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const sysctl = '/proc/sys/kernel/bpf_stats_enabled';
    const was = readFileSync(sysctl, 'utf8').trim();
    const obj = openFixture();
    try {
      expect(obj.programStats()).toEqual([]); // not loaded yet
      obj.load();
      obj.attach();
      writeFileSync(sysctl, '0');
      obj.enableStats(); // BPF_ENABLE_STATS: on while the object is open, whatever the sysctl says
      expect(obj.enableStats()).toBe(true); // idempotent
      // sys_enter runs on every syscall: make some
      for (let i = 0; i < 200; i++) readFileSync('/proc/self/stat');
      const stats = obj.programStats();
      expect(stats.map((s) => s.id).sort()).toEqual([...obj.programIds()].sort());
      const enter = stats.find((s) => s.name === 'sondefix_sys_enter')!;
      expect(enter).toBeDefined();
      expect(enter.runCount).toBeGreaterThan(200);
      expect(enter.runTimeNs).toBeGreaterThan(0);
      expect(Number.isInteger(enter.runTimeNs)).toBe(true);
    } finally {
      writeFileSync(sysctl, was);
      obj.close();
    }
    expect(obj.programStats()).toEqual([]);
    // closed: the stats request went with the object (another object's programs stay at 0)
    const other = openFixture();
    try {
      writeFileSync(sysctl, '0');
      other.load();
      other.attach();
      for (let i = 0; i < 50; i++) readFileSync('/proc/self/stat');
      expect(other.programStats().every((s) => s.runTimeNs === 0)).toBe(true);
    } finally {
      writeFileSync(sysctl, was);
      other.close();
    }
  });
});
