/**
 * Live event streams of running jobs (GET /v1/jobs/{id}/events).
 *
 * One channel per running job: the runner's `events` hook appends each batch to a replay buffer
 * (the first `maxEvents` events, as the stored result keeps them) and fans it out to subscribers.
 * Each event is serialised once and shared. A subscriber reads the replay straight from the shared
 * buffer (no copy), and gets live events through its own bounded queue: when the queue is over its
 * count or byte limit, the queued events are dropped and the subscriber is told how many with a
 * `lost` notice — a slow reader never blocks the job or the other readers. When the job ends every
 * subscriber gets `end`, and the channel is freed after a short grace (late readers then read the
 * stored result).
 */
import type { JobStatus } from '@sonde/core-loader';

export interface HubOptions {
  /** events kept for replay per job (SONDE_MAX_EVENTS; the stored result keeps as many) */
  maxEvents: number;
  /** live events queued per subscriber before it counts as slow */
  queueEvents: number;
  /** bytes (serialised JSON) queued per subscriber before it counts as slow */
  queueBytes: number;
  /** how long an ended channel stays for late subscribers */
  graceMs: number;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  maxEvents: 100_000,
  queueEvents: 10_000,
  queueBytes: 8 * 1024 * 1024,
  graceMs: 5_000,
};

/** One item of a stream. `json` is the event already serialised. */
export type StreamItem =
  | { type: 'event'; seq: number; json: string }
  | { type: 'lost'; count: number; reason: 'slow-subscriber' | 'replay-truncated' }
  | { type: 'end'; end: EndInfo };

export interface EndInfo {
  status: JobStatus;
  stoppedBy?: string | undefined;
  stats?: unknown;
}

interface Stored {
  seq: number;
  json: string;
}

/** A reader of one job's stream. `next()` resolves with the next item, or null when the stream is over. */
export class Subscriber {
  private replayAt: number;
  private readonly replayEnd: number;
  private truncatedNotice: number;
  private queue: Stored[] = [];
  private queueBytes = 0;
  private lostPending = 0;
  private endInfo: EndInfo | null = null;
  private done = false;
  private wake: (() => void) | null = null;
  /** events this subscriber lost for being slow, in total */
  lostTotal = 0;

  constructor(
    private readonly channel: Channel,
    private readonly limits: { events: number; bytes: number },
    fromSeq: number,
  ) {
    const buffered = channel.buffer.length;
    // replay covers [fromSeq, buffered); anything the buffer could not keep is announced after it
    this.replayAt = Math.min(Math.max(0, fromSeq), buffered);
    this.replayEnd = buffered;
    this.truncatedNotice = Math.max(0, channel.seq - Math.max(buffered, fromSeq));
  }

  /** called by the channel for each live event */
  push(e: Stored): void {
    if (this.done || this.endInfo) return;
    if (this.queue.length + 1 > this.limits.events || this.queueBytes + e.json.length > this.limits.bytes) {
      const dropped = this.queue.length + 1;
      this.lostPending += dropped;
      this.lostTotal += dropped;
      this.queue = [];
      this.queueBytes = 0;
    } else {
      this.queue.push(e);
      this.queueBytes += e.json.length;
    }
    this.notify();
  }

  finish(end: EndInfo): void {
    if (this.endInfo) return;
    this.endInfo = end;
    this.notify();
  }

  /** stop reading (client went away) */
  close(): void {
    this.done = true;
    this.queue = [];
    this.channel.unsubscribe(this);
    this.notify();
  }

  /** the next item without waiting, or undefined when none is ready (null: over) */
  poll(): StreamItem | null | undefined {
    if (this.done) return null;
    if (this.replayAt < this.replayEnd) {
      const e = this.channel.buffer[this.replayAt++]!;
      return { type: 'event', seq: e.seq, json: e.json };
    }
    if (this.truncatedNotice > 0) {
      const count = this.truncatedNotice;
      this.truncatedNotice = 0;
      return { type: 'lost', count, reason: 'replay-truncated' };
    }
    if (this.lostPending > 0) {
      const count = this.lostPending;
      this.lostPending = 0;
      return { type: 'lost', count, reason: 'slow-subscriber' };
    }
    const e = this.queue.shift();
    if (e) {
      this.queueBytes -= e.json.length;
      return { type: 'event', seq: e.seq, json: e.json };
    }
    if (this.endInfo) {
      this.done = true;
      this.channel.unsubscribe(this);
      return { type: 'end', end: this.endInfo };
    }
    return undefined;
  }

  /** wait up to `ms` for an item; undefined on timeout (time for a heartbeat) */
  async next(ms: number): Promise<StreamItem | null | undefined> {
    const now = this.poll();
    if (now !== undefined) return now;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
    return this.poll();
  }

  private notify(): void {
    this.wake?.();
  }
}

class Channel {
  readonly buffer: Stored[] = [];
  /** events seen so far; the next event's seq */
  seq = 0;
  end: EndInfo | null = null;
  readonly subscribers = new Set<Subscriber>();

  constructor(readonly maxEvents: number) {}

  unsubscribe(s: Subscriber): void {
    this.subscribers.delete(s);
  }
}

export class EventHub {
  readonly opts: HubOptions;
  private readonly channels = new Map<string, Channel>();

  constructor(opts: Partial<HubOptions> = {}) {
    this.opts = { ...DEFAULT_HUB_OPTIONS, ...opts };
  }

  /** the runner's `events` hook: one batch, in order */
  publish(id: string, batch: unknown[]): void {
    const ch = this.channel(id);
    if (ch.end) return;
    for (const ev of batch) {
      const e: Stored = { seq: ch.seq++, json: JSON.stringify(ev) ?? 'null' };
      if (ch.buffer.length < ch.maxEvents) ch.buffer.push(e);
      for (const s of ch.subscribers) s.push(e);
    }
  }

  /** the job ended: tell every subscriber, free the channel after the grace period */
  end(id: string, info: EndInfo): void {
    const ch = this.channels.get(id);
    if (!ch || ch.end) return;
    ch.end = info;
    for (const s of [...ch.subscribers]) s.finish(info);
    const t = setTimeout(() => {
      if (this.channels.get(id) === ch) this.channels.delete(id);
    }, this.opts.graceMs);
    t.unref?.();
  }

  /**
   * Subscribe to a job that is still active (or ended within the grace period): replay from
   * `fromSeq` (0 = the start), then live, then `end`.
   */
  subscribe(id: string, fromSeq = 0, limits?: Partial<{ events: number; bytes: number }>): Subscriber {
    const ch = this.channel(id);
    const s = new Subscriber(
      ch,
      { events: limits?.events ?? this.opts.queueEvents, bytes: limits?.bytes ?? this.opts.queueBytes },
      fromSeq,
    );
    if (ch.end) s.finish(ch.end);
    else ch.subscribers.add(s);
    return s;
  }

  has(id: string): boolean {
    return this.channels.has(id);
  }

  /** channels held (running jobs with a stream, and ended ones in their grace period) */
  size(): number {
    return this.channels.size;
  }

  subscribers(id: string): number {
    return this.channels.get(id)?.subscribers.size ?? 0;
  }

  private channel(id: string): Channel {
    let ch = this.channels.get(id);
    if (!ch) {
      ch = new Channel(this.opts.maxEvents);
      this.channels.set(id, ch);
    }
    return ch;
  }
}
