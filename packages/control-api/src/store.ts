import { mkdirSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { JobStatus } from '@sonde/core-loader';
import type { OutputKind, ResultEnvelope } from '@sonde/probe-sdk';

export type JobError = { type: string; message: string; details?: Record<string, unknown> };

/** A job as the API shows it; timestamps are ISO-8601 strings. */
export interface Job {
  id: string;
  probe: string;
  probeVersion: string;
  params: unknown;
  durationMs: number;
  status: JobStatus;
  createdAt: string;
  attachedAt: string | null;
  endedAt: string | null;
  variant: string | null;
  result: ResultEnvelope | null;
  error: JobError | null;
}

export interface NewJob {
  id: string;
  probe: string;
  probeVersion: string;
  /** the probe's output kind, kept so an interrupted job still gets a well-formed envelope */
  kind: OutputKind | null;
  params: unknown;
  durationMs: number;
  createdAt: number;
}

export interface JobFilter {
  status?: JobStatus | undefined;
  probe?: string | undefined;
  limit: number;
  /** id of the last job of the previous page */
  cursor?: string | undefined;
}

interface Row {
  id: string;
  probe: string;
  probe_version: string;
  kind: string | null;
  params: string;
  duration_ms: number;
  status: JobStatus;
  created_at: number;
  attached_at: number | null;
  ended_at: number | null;
  variant: string | null;
  result: string | null;
  error: string | null;
}

export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'running'];
export const isFinished = (s: JobStatus): boolean => !ACTIVE_STATUSES.includes(s);

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id            TEXT PRIMARY KEY,        -- j_<ULID>: sorts by creation time
  probe         TEXT NOT NULL,
  probe_version TEXT NOT NULL,
  kind          TEXT,
  params        TEXT NOT NULL,           -- JSON, as validated by the probe's schema
  duration_ms   INTEGER NOT NULL,
  status        TEXT NOT NULL,
  created_at    INTEGER NOT NULL,        -- epoch ms
  attached_at   INTEGER,
  ended_at      INTEGER,
  variant       TEXT,
  result        TEXT,                    -- JSON result envelope
  error         TEXT                     -- JSON {type, message, details}
) STRICT;
CREATE INDEX IF NOT EXISTS jobs_status  ON jobs (status, id);
CREATE INDEX IF NOT EXISTS jobs_probe   ON jobs (probe, id);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at);
`;

/** finished jobs' JSON kept for GET /v1/jobs/{id} */
const JSON_CACHE_MAX = 256;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** a job's fields but its result and error, in the order the API shows them */
function jobHead(r: Row): Omit<Job, 'result' | 'error'> {
  return {
    id: r.id,
    probe: r.probe,
    probeVersion: r.probe_version,
    params: JSON.parse(r.params) as unknown,
    durationMs: r.duration_ms,
    status: r.status,
    createdAt: new Date(r.created_at).toISOString(),
    attachedAt: iso(r.attached_at),
    endedAt: iso(r.ended_at),
    variant: r.variant,
  };
}

function toJob(r: Row): Job {
  return {
    ...jobHead(r),
    result: r.result === null ? null : (JSON.parse(r.result) as ResultEnvelope),
    error: r.error === null ? null : (JSON.parse(r.error) as JobError),
  };
}

/** The job table in SQLite. Synchronous by design: every statement is a small indexed lookup. */
export class JobStore {
  readonly db: Database.Database;
  /** how many jobs a previous process left unfinished and this open marked 'interrupted' */
  readonly interrupted: number;
  private readonly stmts;
  private readonly listStmts = new Map<string, Database.Statement>();
  private readonly jsonCache = new Map<string, string>();

  /** Open (creating it if needed) `${dataDir}/sonde.db`. */
  static open(dataDir: string): JobStore {
    mkdirSync(dataDir, { recursive: true });
    return new JobStore(join(dataDir, 'sonde.db'));
  }

  /** `file` may be ':memory:' (tests, OpenAPI generation). */
  constructor(file: string) {
    this.db = new Database(file);
    // Retention deletes rows; with incremental auto-vacuum, prune() hands the freed pages back to the
    // file system. The mode applies to a new file at once, to an older file after one VACUUM.
    if (Number(this.db.pragma('auto_vacuum', { simple: true })) !== 2) {
      this.db.pragma('auto_vacuum = INCREMENTAL');
      this.db.exec('VACUUM');
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.stmts = {
      insert: this.db.prepare(
        `INSERT INTO jobs (id, probe, probe_version, kind, params, duration_ms, status, created_at)
         VALUES (@id, @probe, @probeVersion, @kind, @params, @durationMs, 'queued', @createdAt)`,
      ),
      get: this.db.prepare<[string], Row>('SELECT * FROM jobs WHERE id = ?'),
      // only a queued job becomes running: a late 'attached' never overrides a final status
      attached: this.db.prepare(
        `UPDATE jobs SET status = 'running', attached_at = @at, variant = @variant
         WHERE id = @id AND status = 'queued'`,
      ),
      finish: this.db.prepare(
        `UPDATE jobs SET status = @status, ended_at = @endedAt, result = @result, error = @error,
           variant = COALESCE(@variant, variant)
         WHERE id = @id`,
      ),
      remove: this.db.prepare('DELETE FROM jobs WHERE id = ?'),
      // the stored text is spliced, not re-serialised: numbers and strings keep their exact form
      setExport: this.db.prepare(
        `UPDATE jobs SET result = json_set(result, '$.export', json(@value)) WHERE id = @id AND result IS NOT NULL`,
      ),
      active: this.db.prepare<[], Row>(`SELECT * FROM jobs WHERE status IN ('queued', 'running')`),
      pruneAge: this.db.prepare(
        `DELETE FROM jobs WHERE status NOT IN ('queued', 'running') AND COALESCE(ended_at, created_at) < @cutoff`,
      ),
      // the newest `keep` jobs stay (ids sort by creation); older finished ones go
      pruneCount: this.db.prepare(
        `DELETE FROM jobs WHERE status NOT IN ('queued', 'running')
           AND id < (SELECT id FROM jobs ORDER BY id DESC LIMIT 1 OFFSET @skip)`,
      ),
      count: this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM jobs'),
      countActive: this.db.prepare<[], { n: number }>(
        `SELECT count(*) AS n FROM jobs WHERE status IN ('queued', 'running')`,
      ),
    };
    this.interrupted = this.markInterrupted();
  }

  insert(job: NewJob): void {
    this.stmts.insert.run({ ...job, params: JSON.stringify(job.params ?? {}) });
  }

  get(id: string): Job | undefined {
    const row = this.stmts.get.get(id);
    return row ? toJob(row) : undefined;
  }

  /**
   * The job as its JSON text, with the stored result spliced in unparsed (the hot read path:
   * a result is parsed and re-serialised for nothing otherwise). Finished jobs never change, so
   * their text is kept in a small LRU.
   */
  getJson(id: string): string | undefined {
    const hit = this.jsonCache.get(id);
    if (hit !== undefined) {
      this.jsonCache.delete(id);
      this.jsonCache.set(id, hit);
      return hit;
    }
    const r = this.stmts.get.get(id);
    if (!r) return undefined;
    const head = JSON.stringify(jobHead(r));
    const text = `${head.slice(0, -1)},"result":${r.result ?? 'null'},"error":${r.error ?? 'null'}}`;
    if (isFinished(r.status)) {
      this.jsonCache.set(id, text);
      if (this.jsonCache.size > JSON_CACHE_MAX) this.jsonCache.delete(this.jsonCache.keys().next().value!);
    }
    return text;
  }

  markAttached(id: string, at: number, variant: string): boolean {
    return this.stmts.attached.run({ id, at, variant }).changes > 0;
  }

  finish(id: string, status: JobStatus, result: ResultEnvelope, endedAt = Date.now()): boolean {
    return (
      this.stmts.finish.run({
        id,
        status,
        endedAt,
        result: JSON.stringify(result),
        error: result.error ? JSON.stringify(result.error) : null,
        variant: result.variant ?? null,
      }).changes > 0
    );
  }

  /** Record what became of exporting a stored result (`result.export`); false when the job has no result. */
  setExport(id: string, value: Record<string, unknown>): boolean {
    const done = this.stmts.setExport.run({ id, value: JSON.stringify(value) }).changes > 0;
    this.jsonCache.delete(id);
    return done;
  }

  /** Remove a row that never started (the runner refused it). */
  remove(id: string): void {
    this.stmts.remove.run(id);
  }

  /**
   * Retention: delete finished jobs that ended more than `maxAgeMs` ago (0 = no age limit) and
   * all but the newest `maxJobs` jobs. Queued and running jobs are never pruned. Returns rows deleted.
   */
  prune(opts: { maxAgeMs: number; maxJobs: number; now?: number }): number {
    const now = opts.now ?? Date.now();
    const run = this.db.transaction(() => {
      let n = 0;
      if (opts.maxAgeMs > 0) n += this.stmts.pruneAge.run({ cutoff: now - opts.maxAgeMs }).changes;
      n += this.stmts.pruneCount.run({ skip: Math.max(0, opts.maxJobs - 1) }).changes;
      return n;
    });
    const n = run();
    if (n > 0) this.jsonCache.clear();
    // give the freed pages back to the file system: truncate the file, then the WAL
    if (n > 0) {
      this.db.pragma('incremental_vacuum');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    }
    return n;
  }

  count(): number {
    return this.stmts.count.get()?.n ?? 0;
  }

  /** `PRAGMA integrity_check`: 'ok' when the file is sound */
  integrity(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  countActive(): number {
    return this.stmts.countActive.get()?.n ?? 0;
  }

  /** Newest first; `nextCursor` is set when there may be more. */
  list(f: JobFilter): { jobs: Job[]; nextCursor: string | null } {
    const rows = this.listStatement(f).all({
      status: f.status ?? null,
      probe: f.probe ?? null,
      cursor: f.cursor ?? null,
      limit: f.limit + 1,
    }) as Row[];
    const more = rows.length > f.limit;
    const page = more ? rows.slice(0, f.limit) : rows;
    return { jobs: page.map(toJob), nextCursor: more ? (page[page.length - 1]?.id ?? null) : null };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** One prepared statement per filter combination, so each can use its index. */
  private listStatement(f: JobFilter): Database.Statement {
    const where: string[] = [];
    if (f.status !== undefined) where.push('status = @status');
    if (f.probe !== undefined) where.push('probe = @probe');
    if (f.cursor !== undefined) where.push('id < @cursor');
    const key = where.join(' AND ');
    let stmt = this.listStmts.get(key);
    if (!stmt) {
      stmt = this.db.prepare(
        `SELECT * FROM jobs ${key ? `WHERE ${key}` : ''} ORDER BY id DESC LIMIT @limit`,
      );
      this.listStmts.set(key, stmt);
    }
    return stmt;
  }

  /**
   * Jobs still queued or running when the store opens belonged to a process that died: nothing
   * of them survives in the kernel, so they end as 'interrupted' with an envelope that says so.
   */
  private markInterrupted(): number {
    const now = Date.now();
    const host = { hostname: hostname(), kernel: release() };
    const run = this.db.transaction((rows: Row[]) => {
      for (const r of rows) {
        const started = r.attached_at ?? r.created_at;
        // the old process died somewhere between start and deadline; the deadline bounds it
        const ended = Math.max(started, Math.min(now, started + r.duration_ms));
        const error: JobError = {
          type: 'interrupted',
          message: 'the sonde process stopped while this job was running; no data was saved',
        };
        const envelope: ResultEnvelope = {
          jobId: r.id,
          probe: r.probe,
          probeVersion: r.probe_version,
          params: JSON.parse(r.params) as unknown,
          host,
          variant: r.variant,
          startedAt: new Date(started).toISOString(),
          endedAt: new Date(ended).toISOString(),
          durationMs: ended - started,
          stoppedBy: 'interrupted',
          kind: (r.kind ?? 'report') as OutputKind,
          data: null,
          stats: { events: 0, lost: 0, dropped: 0, truncated: false },
          warnings: ['job interrupted by a restart of sonde; endedAt is an upper bound'],
          error,
        };
        this.finish(r.id, 'interrupted', envelope, ended);
      }
      return rows.length;
    });
    return run(this.stmts.active.all());
  }
}
