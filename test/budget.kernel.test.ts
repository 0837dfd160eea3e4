/**
 * Kernel budget, for real: tcprtt under heavy loopback traffic with a tiny budget stops with
 * stoppedBy 'budget' and the figures; a generous budget runs to its deadline with what it used.
 * Run time comes from BPF_ENABLE_STATS held by the job's object, so the host's
 * kernel.bpf_stats_enabled is left as it was.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog } from '@sonde/core-loader';
import { describeKernel, programsLeft } from './support/kernel.js';
import { echoServer, pingPong, type EchoServer } from './support/traffic.js';

// the worker-side entry point (what the pool worker runs), with the JobContext that meters budgets
const { executeJob } = (await import(new URL('../packages/core-loader/dist/execute.js', import.meta.url).href)) as typeof import('../packages/core-loader/src/execute.js');

const SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';

describeKernel('kernel CPU budget', () => {
  let echo: EchoServer;
  let modulePath: string;
  let statsBefore: string;

  beforeAll(async () => {
    echo = await echoServer();
    modulePath = (await Catalog.discover()).entry('tcprtt').modulePath!;
    statsBefore = readFileSync(SYSCTL, 'utf8').trim();
  });
  afterAll(async () => {
    await echo?.close();
    expect(readFileSync(SYSCTL, 'utf8').trim()).toBe(statsBefore);
    expect(await programsLeft()).toEqual([]);
  });

  async function run(budget: { cpuMs?: number; cpuPercent?: number }, durationMs: number) {
    let traffic: Awaited<ReturnType<typeof pingPong>> | undefined;
    const t0 = Date.now();
    const outcome = await executeJob(
      { jobId: `budget-${t0}`, modulePath, params: { rport: [], lport: [], by: 'none', units: 'us', extended: false }, durationMs, budget },
      {
        attached: () => {
          void pingPong(echo.port, { conns: 8, maxMs: durationMs + 1000 }).then((t) => (traffic = t));
        },
        events: () => {},
      },
    );
    const elapsed = Date.now() - t0;
    await traffic?.stop();
    return { outcome, elapsed, rounds: traffic?.rounds ?? 0 };
  }

  it('stops a job over its cpuMs budget with stoppedBy "budget" and the figure', async () => {
    const { outcome, elapsed } = await run({ cpuMs: 1 }, 10_000);
    expect(outcome.error).toBeUndefined();
    expect(outcome.stoppedBy).toBe('budget');
    expect(elapsed).toBeLessThan(8000);
    expect(outcome.budget).toMatchObject({ limit: { cpuMs: 1 }, exceeded: 'cpuMs' });
    expect(outcome.budget!.used.cpuMs).toBeGreaterThan(1);
    expect(outcome.budget!.used.runCount).toBeGreaterThan(0);
    expect(outcome.warnings.join(' ')).toMatch(/over the kernel budget \(cpuMs\)/);
    // the partial histogram is kept
    expect((outcome.data as { total: { count: number } }).total.count).toBeGreaterThan(0);
    expect(await programsLeft()).toEqual([]);
  });

  it('stops a job over its cpuPercent budget', async () => {
    const { outcome, elapsed } = await run({ cpuPercent: 0.01 }, 10_000);
    expect(outcome.stoppedBy).toBe('budget');
    expect(elapsed).toBeLessThan(8000);
    expect(outcome.budget).toMatchObject({ exceeded: 'cpuPercent' });
    expect(outcome.budget!.used.peakCpuPercent).toBeGreaterThan(0.01);
  });

  it('runs to the deadline within a generous budget, reporting what it used', async () => {
    const { outcome, rounds } = await run({ cpuMs: 60_000, cpuPercent: 100 }, 800);
    expect(outcome.stoppedBy).toBe('deadline');
    expect(rounds).toBeGreaterThan(0);
    expect(outcome.budget).toMatchObject({ limit: { cpuMs: 60_000, cpuPercent: 100 }, exceeded: null });
    expect(outcome.budget!.used.cpuMs).toBeGreaterThan(0);
    expect(outcome.budget!.used.runCount).toBeGreaterThan(0);
    console.log(`budget: tcprtt used ${outcome.budget!.used.cpuMs} ms of BPF run time over ${outcome.budget!.used.runCount} runs (peak ${outcome.budget!.used.peakCpuPercent}% of one CPU) during ${rounds} round trips`);
  });
});
