/**
 * The assertions of each check, beside the jobs table in the same SQLite file. A check is a
 * job plus what it must satisfy: same id as its job, evaluated whenever it is read (the result
 * is in the job row), so nothing here changes after the insert.
 */
import type Database from 'better-sqlite3';

export interface CheckSpec {
  assertions: string[];
  /** baseline result envelope, allowed increase as a fraction, metrics compared */
  regression?: { baseline: unknown; maxIncrease: number; metrics: string[] };
}

export class CheckStore {
  private readonly insertStmt: Database.Statement;
  private readonly getStmt: Database.Statement<[string], { spec: string }>;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS checks (
      id         TEXT PRIMARY KEY,       -- the job's id
      spec       TEXT NOT NULL,          -- JSON CheckSpec
      created_at INTEGER NOT NULL
    ) STRICT`);
    this.insertStmt = db.prepare('INSERT INTO checks (id, spec, created_at) VALUES (?, ?, ?)');
    this.getStmt = db.prepare('SELECT spec FROM checks WHERE id = ?');
  }

  insert(id: string, spec: CheckSpec): void {
    this.insertStmt.run(id, JSON.stringify(spec), Date.now());
  }

  get(id: string): CheckSpec | undefined {
    const row = this.getStmt.get(id);
    return row ? (JSON.parse(row.spec) as CheckSpec) : undefined;
  }
}

const byDb = new WeakMap<Database.Database, CheckStore>();

/** one CheckStore per database handle */
export function checkStoreFor(db: Database.Database): CheckStore {
  let s = byDb.get(db);
  if (!s) byDb.set(db, (s = new CheckStore(db)));
  return s;
}
