/**
 * One job's life inside whatever thread runs it: import the probe, run it with a JobContext,
 * and always release the kernel objects. Used by the pool worker and by runJobInline.
 */
import { pathToFileURL } from 'node:url';
import { errorToJSON, isProbe, type BudgetReport, type ProbeDefinition } from '@sonde/probe-sdk';
import type { JobBudget } from './api.js';
import { JobContext, type ContextHooks } from './context.js';

export interface JobTask {
  jobId: string;
  modulePath: string;
  params: unknown;
  durationMs: number;
  /** kernel CPU budget (budget.ts) */
  budget?: JobBudget;
}

export interface JobOutcome {
  data: unknown;
  variant: string | null;
  warnings: string[];
  events: number;
  lost: number;
  stoppedBy: 'deadline' | 'cancel' | 'error' | 'budget';
  error?: Record<string, unknown>;
  budget?: BudgetReport;
  startedAt: number;
  endedAt: number;
}

const probes = new Map<string, Promise<ProbeDefinition>>();

export function importProbe(modulePath: string): Promise<ProbeDefinition> {
  let p = probes.get(modulePath);
  if (!p) {
    p = import(pathToFileURL(modulePath).href).then((m: { default?: unknown }) => {
      if (!isProbe(m.default)) throw new Error(`${modulePath} does not export a probe`);
      return m.default;
    });
    probes.set(modulePath, p);
  }
  return p;
}

/** Runs the job; `control` receives the context so the caller can stop it early. */
export async function executeJob(
  task: JobTask,
  hooks: ContextHooks,
  control: (ctx: JobContext) => void = () => {},
): Promise<JobOutcome> {
  const startedAt = Date.now();
  const probe = await importProbe(task.modulePath);
  const ctx = new JobContext(task.jobId, probe.bpf, task.durationMs, hooks, task.budget);
  control(ctx);
  let data: unknown = null;
  let error: Record<string, unknown> | undefined;
  try {
    data = await probe.run(ctx, task.params);
  } catch (err) {
    error = errorToJSON(err);
  } finally {
    ctx.close();
  }
  return {
    data,
    variant: ctx.variant,
    warnings: ctx.warnings,
    events: ctx.events,
    lost: ctx.lostEvents,
    stoppedBy: error ? 'error' : (ctx.stopReason ?? 'deadline'),
    ...(error ? { error } : {}),
    ...(ctx.budgetReport ? { budget: ctx.budgetReport } : {}),
    startedAt,
    endedAt: Date.now(),
  };
}
