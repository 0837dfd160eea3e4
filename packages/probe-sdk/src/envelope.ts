import type { KernelReport } from './cross-check.js';
import type { OutputKind, OutputShape } from './output.js';

export type StoppedBy = 'deadline' | 'cancel' | 'error' | 'interrupted' | 'budget';

/** A job's kernel CPU budget and what its BPF programs used (run_time_ns with kernel.bpf_stats_enabled). */
export interface BudgetReport {
  limit: { cpuPercent?: number; cpuMs?: number };
  used: { cpuMs: number; peakCpuPercent: number; runCount: number };
  /** which limit stopped the job, null when it stayed within budget */
  exceeded: 'cpuPercent' | 'cpuMs' | null;
}

/** The result envelope, the same for every probe. */
export interface ResultEnvelope<D = unknown> {
  jobId: string;
  probe: string;
  probeVersion: string;
  params: unknown;
  host: { hostname: string; kernel: string };
  /** the hook variant that ran, e.g. 'tp_btf' */
  variant: string | null;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  stoppedBy: StoppedBy;
  kind: OutputKind;
  /** the probe's output declaration (defineProbe's `output`): what each field of `data` is */
  shape?: OutputShape;
  data: D | null;
  stats: { events: number; lost: number; dropped: number; truncated: boolean };
  warnings: string[];
  error?: { type: string; message: string; details?: Record<string, unknown> };
  /** jobs started with a budget */
  budget?: BudgetReport;
  /** the kernel's own SNMP/netstat counters of the watched namespace over the job, and the cross-checks */
  kernel?: KernelReport;
}
