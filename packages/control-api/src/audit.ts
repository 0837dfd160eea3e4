/**
 * The audit trail: one JSON line per job started or stopped — who (the token's name, never the
 * token), what, with which params — on stdout and appended to a file (SONDE_AUDIT_FILE, default
 * `${SONDE_DATA_DIR}/audit.log`, mode 0600).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface AuditEntry {
  action: 'job.start' | 'job.stop';
  who: string;
  role: string;
  job: string;
  probe: string;
  params?: unknown;
  durationMs?: number;
  budget?: unknown;
}

export interface AuditSink {
  write(entry: AuditEntry): void;
}

export class AuditLog implements AuditSink {
  private fd: number | null = null;
  /** lines written (tests) */
  readonly lines: string[] = [];

  constructor(
    file: string | null,
    private readonly out: ((line: string) => void) | null = (l) => process.stdout.write(l),
    private readonly keep = false,
  ) {
    if (file && file !== 'off') {
      mkdirSync(dirname(file), { recursive: true });
      this.fd = openSync(file, 'a', 0o600);
    }
  }

  write(entry: AuditEntry): void {
    const line = `${JSON.stringify({ ts: new Date().toISOString(), audit: entry.action, ...entry, action: undefined })}\n`;
    if (this.keep) this.lines.push(line);
    this.out?.(line);
    if (this.fd !== null) {
      try {
        writeSync(this.fd, line);
      } catch (err) {
        console.error(`sonde: audit log write failed: ${(err as Error).message}`);
      }
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
