/**
 * Kernel CPU budget of one job: samples its BPF programs' run time (run_time_ns, counted while the
 * job's object holds BPF_ENABLE_STATS) and says when it goes over `cpuMs` in total or over
 * `cpuPercent` of one CPU across a sliding window (1 s, or the time since attach while shorter
 * — but at least MIN_WINDOW_MS, so one early burst is not extrapolated).
 */
import type { BudgetReport } from '@sonde/probe-sdk';
import type { JobBudget } from './api.js';

export const SAMPLE_MS = 100;
export const WINDOW_MS = 1000;
export const MIN_WINDOW_MS = 300;

export interface StatsSource {
  programStats(): Array<{ runTimeNs: number; runCount: number }>;
}

interface Sample {
  at: number;
  ns: number;
}

export class BudgetMeter {
  private readonly samples: Sample[] = [];
  private baseNs = 0;
  private baseCount = 0;
  private usedNs = 0;
  private runCount = 0;
  private peakPercent = 0;
  private timer: NodeJS.Timeout | null = null;
  exceeded: 'cpuPercent' | 'cpuMs' | null = null;

  constructor(
    readonly limit: JobBudget,
    private readonly source: StatsSource,
    private readonly onExceeded: (which: 'cpuPercent' | 'cpuMs') => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** baseline now (run time before the job counted for others), then sample every SAMPLE_MS */
  start(): void {
    const t = this.totals();
    this.baseNs = t.ns;
    this.baseCount = t.count;
    this.samples.push({ at: this.now(), ns: 0 });
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref?.();
  }

  /** one sample; returns the limit crossed, if any */
  sample(): 'cpuPercent' | 'cpuMs' | null {
    let t: { ns: number; count: number };
    try {
      t = this.totals();
    } catch {
      return null; // object closing under us: the job is ending anyway
    }
    const at = this.now();
    this.usedNs = Math.max(0, t.ns - this.baseNs);
    this.runCount = Math.max(0, t.count - this.baseCount);
    this.samples.push({ at, ns: this.usedNs });
    while (this.samples.length > 2 && this.samples[1]!.at <= at - WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const span = at - first.at;
    if (span >= MIN_WINDOW_MS) {
      const pct = ((this.usedNs - first.ns) / (span * 1e6)) * 100;
      this.peakPercent = Math.max(this.peakPercent, pct);
      if (!this.exceeded && this.limit.cpuPercent !== undefined && pct > this.limit.cpuPercent) this.exceeded = 'cpuPercent';
    }
    if (!this.exceeded && this.limit.cpuMs !== undefined && this.usedNs / 1e6 > this.limit.cpuMs) this.exceeded = 'cpuMs';
    if (this.exceeded) {
      this.stop();
      this.onExceeded(this.exceeded);
    }
    return this.exceeded;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** a last sample (unless over already) and the figures for the result */
  report(): BudgetReport {
    if (this.timer) {
      this.stop();
      if (!this.exceeded) this.sample();
    }
    const r = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
    return {
      limit: { ...this.limit },
      used: { cpuMs: r(this.usedNs / 1e6), peakCpuPercent: r(this.peakPercent), runCount: this.runCount },
      exceeded: this.exceeded,
    };
  }

  private totals(): { ns: number; count: number } {
    let ns = 0;
    let count = 0;
    for (const p of this.source.programStats()) {
      ns += p.runTimeNs;
      count += p.runCount;
    }
    return { ns, count };
  }
}
