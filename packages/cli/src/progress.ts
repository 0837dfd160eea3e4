/**
 * Progress while a job runs, on stderr. On a terminal: one bar redrawn in place. Otherwise
 * (CI logs, pipes): a plain line when the job attaches, at each quarter, and at the end.
 */
import { fmtMs } from './args.js';

export interface ProgressOptions {
  probe: string;
  durationMs: number;
  tty?: boolean;
  stream?: NodeJS.WriteStream;
  /** no output at all (--json/--ndjson to a terminal still show the bar; --quiet does not) */
  quiet?: boolean;
}

const WIDTH = 30;

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private attachedAt: number | null = null;
  private variant = '';
  private timer: NodeJS.Timeout | undefined;
  private quarter = 0;
  private status = 'starting';

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = opts.tty ?? !!this.stream.isTTY;
  }

  start(id?: string): void {
    if (this.opts.quiet) return;
    if (this.tty) {
      this.timer = setInterval(() => this.draw(), 100);
      this.draw();
    } else this.line(`${this.opts.probe}${id ? ` ${id}` : ''}: queued for ${fmtMs(this.opts.durationMs)}`);
  }

  attached(variant: string | null, at = Date.now()): void {
    if (this.attachedAt !== null) return;
    this.attachedAt = at;
    this.variant = variant ?? '';
    this.status = 'running';
    if (!this.opts.quiet && !this.tty) this.line(`${this.opts.probe}: attached${variant ? ` (${variant})` : ''}, running`);
  }

  /** the job is being stopped early */
  stopping(): void {
    this.status = 'stopping';
    if (!this.opts.quiet && !this.tty) this.line(`${this.opts.probe}: stopping (partial result follows)`);
  }

  /** call now and then (polls, events) so plain mode can print quarter marks */
  tick(): void {
    if (this.opts.quiet || this.tty || this.attachedAt === null) return;
    const q = Math.floor((this.elapsed() / this.opts.durationMs) * 4);
    if (q > this.quarter && q < 4) {
      this.quarter = q;
      this.line(`${this.opts.probe}: ${q * 25}% (${fmtMs(this.elapsed())}/${fmtMs(this.opts.durationMs)})`);
    }
  }

  done(status: string): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.opts.quiet) return;
    if (this.tty) this.stream.write('\r\x1b[K');
    else this.line(`${this.opts.probe}: ${status} after ${fmtMs(this.elapsed())}`);
  }

  private elapsed(): number {
    return this.attachedAt === null ? 0 : Date.now() - this.attachedAt;
  }

  private draw(): void {
    const frac = Math.min(1, this.elapsed() / this.opts.durationMs);
    const full = Math.round(frac * WIDTH);
    const bar = '█'.repeat(full) + '░'.repeat(WIDTH - full);
    const v = this.variant ? ` (${this.variant})` : '';
    this.stream.write(`\r\x1b[K${this.opts.probe} ${bar} ${fmtMs(this.elapsed())}/${fmtMs(this.opts.durationMs)} ${this.status}${v}`);
    this.tick();
  }

  private line(s: string): void {
    this.stream.write(`sonde: ${s}\n`);
  }
}
