/**
 * `GET /metrics`, Prometheus text format (prom-client, one registry per app).
 *
 * Job counters are derived from the job store at scrape time rather than from runner hooks:
 * every job that ended since this process started is counted exactly once (ids are remembered
 * for a window wider than any store write lag), so the figures agree with what the API shows,
 * whatever path ended the job. Running jobs come from the runner. BPF program run time comes
 * from `bpftool prog show --json` when `kernel.bpf_stats_enabled` is 1 (programs of our probes
 * only; the kernel only counts while that sysctl is on).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { OpenAPIHono } from '@hono/zod-openapi';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import type { AppDeps } from '../deps.js';

/** how far back each scrape looks for newly ended jobs, past the last one */
const LOOKBACK_MS = 10 * 60_000;

interface EndedRow {
  id: string;
  probe: string;
  status: string;
  ended_at: number;
  result: string | null;
}

export function bpfStatsEnabled(): boolean {
  try {
    return readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

interface BpftoolProg {
  id: number;
  name?: string;
  run_time_ns?: number;
  run_cnt?: number;
}

function bpftoolProgs(): Promise<BpftoolProg[]> {
  return new Promise((resolve) => {
    execFile('bpftool', ['prog', 'show', '--json'], { timeout: 2000, maxBuffer: 16 << 20 }, (err, out) => {
      if (err) return resolve([]);
      try {
        resolve(JSON.parse(out) as BpftoolProg[]);
      } catch {
        resolve([]);
      }
    });
  });
}

export function metricsRoutes(deps: AppDeps): OpenAPIHono {
  const { store, runner, catalog } = deps;
  const since = deps.startedAt ?? Date.now();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sonde_process_' });

  const jobs = new Counter({ name: 'sonde_jobs_total', help: 'jobs ended since start, by probe and outcome (succeeded, stopped, failed, interrupted)', labelNames: ['probe', 'outcome'], registers: [registry] });
  const duration = new Histogram({
    name: 'sonde_job_duration_seconds',
    help: 'how long ended jobs ran (attach to end), by probe',
    labelNames: ['probe'],
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const events = new Counter({ name: 'sonde_job_events_total', help: 'events ended jobs collected, by probe', labelNames: ['probe'], registers: [registry] });
  const lost = new Counter({ name: 'sonde_job_lost_events_total', help: 'events ended jobs lost (ring buffer full), by probe', labelNames: ['probe'], registers: [registry] });
  const dropped = new Counter({ name: 'sonde_job_dropped_events_total', help: 'events ended jobs dropped past their retention limit, by probe', labelNames: ['probe'], registers: [registry] });
  const bpfJobCpu = new Counter({ name: 'sonde_job_bpf_run_time_seconds_total', help: "ended jobs' BPF program run time where the job measured it (budgets), by probe", labelNames: ['probe'], registers: [registry] });
  new Gauge({ name: 'sonde_jobs_running', help: 'jobs running now', registers: [registry], collect() { this.set(runner.running().length); } });
  new Gauge({ name: 'sonde_jobs_max_running', help: 'the running-jobs limit', registers: [registry], collect() { this.set(runner.maxRunning); } });
  new Gauge({
    name: 'sonde_probes',
    help: 'probes in the catalogue, by availability on this kernel',
    labelNames: ['available'],
    registers: [registry],
    collect() {
      const all = catalog.list();
      this.set({ available: 'true' }, all.filter((p) => p.available).length);
      this.set({ available: 'false' }, all.filter((p) => !p.available).length);
    },
  });
  const statsOn = new Gauge({ name: 'sonde_bpf_stats_enabled', help: 'kernel.bpf_stats_enabled (1: program run time is counted)', registers: [registry] });
  const progTime = new Gauge({ name: 'sonde_bpf_prog_run_time_seconds', help: 'run time of each loaded program of a sonde probe so far (needs kernel.bpf_stats_enabled=1)', labelNames: ['probe', 'program', 'id'], registers: [registry] });
  const progRuns = new Gauge({ name: 'sonde_bpf_prog_run_count', help: 'runs of each loaded program of a sonde probe so far (needs kernel.bpf_stats_enabled=1)', labelNames: ['probe', 'program', 'id'], registers: [registry] });

  const ended = store.db.prepare<[number], EndedRow>(
    `SELECT id, probe, status, ended_at, result FROM jobs WHERE ended_at IS NOT NULL AND ended_at >= ? ORDER BY ended_at`,
  );
  /** id → ended_at of jobs counted, kept while inside the lookback window */
  const counted = new Map<string, number>();
  let newest = since;

  const countEnded = (): void => {
    const from = Math.max(since, newest - LOOKBACK_MS);
    for (const row of ended.all(from)) {
      if (counted.has(row.id)) continue;
      counted.set(row.id, row.ended_at);
      newest = Math.max(newest, row.ended_at);
      jobs.inc({ probe: row.probe, outcome: row.status });
      if (!row.result) continue;
      const r = JSON.parse(row.result) as ResultEnvelope & { budget?: { used?: { cpuMs?: number } } };
      duration.observe({ probe: row.probe }, Math.max(0, r.durationMs) / 1000);
      events.inc({ probe: row.probe }, r.stats?.events ?? 0);
      lost.inc({ probe: row.probe }, r.stats?.lost ?? 0);
      dropped.inc({ probe: row.probe }, r.stats?.dropped ?? 0);
      const cpuMs = r.budget?.used?.cpuMs;
      if (typeof cpuMs === 'number' && cpuMs > 0) bpfJobCpu.inc({ probe: row.probe }, cpuMs / 1000);
    }
    for (const [id, at] of counted) if (at < newest - LOOKBACK_MS) counted.delete(id);
  };

  /** program name (and its 15-char kernel form) → probe, for every probe whose package is known */
  const programOwner = (name: string): string | undefined => {
    for (const p of catalog.list()) if (name === p.name || name.startsWith(`${p.name}_`) || name.startsWith(p.name.slice(0, 15))) return p.name;
    return undefined;
  };

  const countPrograms = async (): Promise<void> => {
    const on = bpfStatsEnabled();
    statsOn.set(on ? 1 : 0);
    progTime.reset();
    progRuns.reset();
    if (!on || runner.running().length === 0) return;
    for (const prog of await bpftoolProgs()) {
      const probe = prog.name ? programOwner(prog.name) : undefined;
      if (!probe || prog.run_time_ns === undefined) continue;
      const labels = { probe, program: prog.name!, id: String(prog.id) };
      progTime.set(labels, prog.run_time_ns / 1e9);
      progRuns.set(labels, prog.run_cnt ?? 0);
    }
  };

  const app = new OpenAPIHono();
  app.get('/metrics', async (c) => {
    countEnded();
    await countPrograms();
    return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  });
  return app;
}
