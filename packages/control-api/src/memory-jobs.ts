/**
 * The jobs of one process without a database — `sonde run` in-process: the JobRecords the job
 * service needs, plus the two writes a runner's hooks make (attached, finished), with the same
 * transitions as JobStore's statements.
 */
import type { JobStatus } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import type { JobRecords } from './job-service.js';
import type { Job, NewJob } from './store.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export class MemoryJobs implements JobRecords {
  private readonly jobs = new Map<string, Job>();

  insert(j: NewJob): void {
    this.jobs.set(j.id, {
      id: j.id,
      probe: j.probe,
      probeVersion: j.probeVersion,
      params: j.params ?? {},
      durationMs: j.durationMs,
      status: 'queued',
      createdAt: iso(j.createdAt),
      attachedAt: null,
      endedAt: null,
      variant: null,
      result: null,
      error: null,
    });
  }

  get(id: string): Job | undefined {
    const j = this.jobs.get(id);
    return j && { ...j };
  }

  remove(id: string): void {
    this.jobs.delete(id);
  }

  /** a queued job's programs attached: it runs */
  markAttached(id: string, at: number, variant: string): boolean {
    const j = this.jobs.get(id);
    if (!j || j.status !== 'queued') return false;
    Object.assign(j, { status: 'running', attachedAt: iso(at), variant });
    return true;
  }

  finish(id: string, status: JobStatus, result: ResultEnvelope, endedAt = Date.now()): boolean {
    const j = this.jobs.get(id);
    if (!j) return false;
    Object.assign(j, { status, endedAt: iso(endedAt), result, error: result.error ?? null, variant: result.variant ?? j.variant });
    return true;
  }
}
