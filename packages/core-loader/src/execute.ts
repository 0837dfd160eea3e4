/**
 * One job's life inside whatever thread runs it: import the probe, run it with a JobContext,
 * and always release the kernel objects. Used by the pool worker and by runJobInline.
 */
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { errorToJSON, isProbe, type BudgetReport, type KernelReport, type ProbeDefinition } from '@sonde/probe-sdk';
import type { JobBudget } from './api.js';
import { JobContext, type ContextHooks } from './context.js';
import { JobCounters } from './counters.js';

export interface JobTask {
  jobId: string;
  modulePath: string;
  params: unknown;
  durationMs: number;
  /** kernel CPU budget (budget.ts) */
  budget?: JobBudget;
  /** the owner filter's cgroup ids (owners.ts), filled into the kernel's map before attach */
  ownerIds?: string[];
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
  /** the watched namespace's SNMP/netstat counters over the job (jobs that attached) */
  kernel?: KernelReport;
  startedAt: number;
  endedAt: number;
}

const probes = new Map<string, Promise<ProbeDefinition>>();

/** a module that imports but whose default export is no defineProbe() value */
export class NotAProbeError extends Error {
  constructor() {
    super('the module does not default-export a defineProbe() value');
    this.name = 'NotAProbeError';
  }
}

/**
 * A probe's definition from its module, imported once per thread: the catalogue, the job's thread and
 * the thread that decodes its raw records (the definition's decode) all take it from here.
 */
export function importProbe(modulePath: string): Promise<ProbeDefinition> {
  let p = probes.get(modulePath);
  if (!p) {
    p = import(pathToFileURL(modulePath).href).then((m: { default?: unknown }) => {
      if (!isProbe(m.default)) throw new NotAProbeError();
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
  const counters = await JobCounters.open(task.params);
  const attached: ContextHooks['attached'] = (variant, at) => {
    counters.attached();
    hooks.attached(variant, at);
  };
  const ctx = new JobContext(task.jobId, probe.bpf, task.durationMs, { ...hooks, attached }, task.budget, probe.name, task.ownerIds);
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
  // after detach: the counters cover at least the traced window
  const { kernel, warnings } = counters.finish(probe, { data, params: task.params, variant: error ? null : ctx.variant, lost: ctx.lostEvents });
  for (const w of warnings) ctx.warn(w);
  logVariant(probe.name, ctx.variant, error);
  return {
    data,
    variant: ctx.variant,
    warnings: ctx.warnings,
    events: ctx.events,
    lost: ctx.lostEvents,
    stoppedBy: error ? 'error' : (ctx.stopReason ?? 'deadline'),
    ...(error ? { error } : {}),
    ...(ctx.budgetReport ? { budget: ctx.budgetReport } : {}),
    ...(kernel ? { kernel } : {}),
    startedAt,
    endedAt: Date.now(),
  };
}

/**
 * SONDE_VARIANT_LOG=<file>: one JSON line per job with the hook variant that attached (or why none
 * did). The kernel matrix (test/vm) reads it to say which variant each probe ran on each kernel.
 */
function logVariant(probe: string, variant: string | null, error: Record<string, unknown> | undefined): void {
  const file = process.env.SONDE_VARIANT_LOG;
  if (!file) return;
  const line = variant ? { probe, variant } : { probe, variant: null, error: error?.type ?? null };
  try {
    appendFileSync(file, JSON.stringify(line) + '\n');
  } catch {
    /* a log for tests only: never fails a job */
  }
}
