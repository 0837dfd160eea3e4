/**
 * Live event streams of running jobs (GET /v1/jobs/{id}/events).
 *
 * One channel per running job: the runner's `events` hook appends each batch to a replay buffer
 * (the first `maxEvents` events, as the stored result keeps them) and fans it out to subscribers.
 * Batches stay undecoded until someone reads them: with nobody subscribed, publishing an event
 * costs nothing but a count. Each event is decoded and serialised at most once and shared. A
 * subscriber reads the replay straight from the shared buffer, and gets live events through its own
 * bounded queue: when the queue is over its
 * count or byte limit, the queued events are dropped and the subscriber is told how many with a
 * `lost` notice — a slow reader never blocks the job or the other readers. When the job ends every
 * subscriber gets `end`, and the channel is freed after a short grace (late readers then read the
 * stored result).
 */
import type { EventBatch, JobStatus } from '@sonde/core-loader';

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

/** a published batch in the replay buffer: events seq .. seq+n-1, serialised when first read */
interface Segment {
  seq: number;
  batch: EventBatch;
  n: number;
  json: Array<string | undefined> | null;
}

/** the serialised event `i` of a segment (undefined when its batch could not decode that far) */
function segmentJson(seg: Segment, i: number): string | undefined {
  const events = seg.batch.events();
  if (i >= events.length) return undefined;
  seg.json ??= new Array<string | undefined>(seg.n);
  return (seg.json[i] ??= JSON.stringify(events[i]) ?? 'null');
}

/** A reader of one job's stream. `next()` resolves with the next item, or null when the stream is over. */
export class Subscriber {
  /** replay cursor: segment index and offset in it, up to replayEnd events */
  private seg = 0;
  private off = 0;
  private replayLeft: number;
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
    const buffered = channel.buffered;
    // replay covers [fromSeq, buffered); anything the buffer could not keep is announced after it
    let at = Math.min(Math.max(0, fromSeq), buffered);
    this.replayLeft = buffered - at;
    while (this.seg < channel.segments.length && at >= channel.segments[this.seg]!.n) at -= channel.segments[this.seg++]!.n;
    this.off = at;
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
    while (this.replayLeft > 0) {
      const seg = this.channel.segments[this.seg]!;
      if (!seg.batch.ownersAttached) return undefined; // next() waits for the batch's owners
      const i = this.off++;
      this.replayLeft--;
      if (this.off >= seg.n) {
        this.seg++;
        this.off = 0;
      }
      const json = segmentJson(seg, i);
      if (json !== undefined) return { type: 'event', seq: seg.seq + i, json };
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
    const seg = this.replayLeft > 0 ? this.channel.segments[this.seg] : undefined;
    if (seg && !seg.batch.ownersAttached) {
      await seg.batch.ready();
      return this.poll();
    }
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
  /** the replay buffer: the first maxEvents events, as published */
  readonly segments: Segment[] = [];
  buffered = 0;
  /** events seen so far; the next event's seq */
  seq = 0;
  end: EndInfo | null = null;
  readonly subscribers = new Set<Subscriber>();
  /** batches waiting for their owners before they are published (in order), and the chain of them */
  pending = 0;
  tail: Promise<void> = Promise.resolve();

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

  /**
   * the runner's `events` hook: one batch, in order; decoded here only for live subscribers. With
   * subscribers, a batch whose owners are to be attached waits for them (EventBatch.ready: one
   * resolution per distinct cgroup id), and the batches after it wait in line.
   */
  publish(id: string, batch: EventBatch): void {
    const ch = this.channel(id);
    if (ch.end || batch.length === 0) return;
    if (ch.pending === 0 && (ch.subscribers.size === 0 || batch.ownersAttached)) return this.append(ch, batch);
    ch.pending++;
    ch.tail = ch.tail
      .then(() => batch.ready())
      .then(() => {
        ch.pending--;
        if (!ch.end) this.append(ch, batch);
      });
  }

  private append(ch: Channel, batch: EventBatch): void {
    const seg: Segment = { seq: ch.seq, batch, n: Math.max(0, Math.min(batch.length, ch.maxEvents - ch.buffered)), json: null };
    ch.seq += batch.length;
    if (seg.n > 0) {
      ch.segments.push(seg);
      ch.buffered += seg.n;
    }
    if (ch.subscribers.size === 0) return;
    for (let i = 0; i < batch.length; i++) {
      const json = i < seg.n ? segmentJson(seg, i) : JSON.stringify(batch.events()[i]);
      if (json === undefined) continue;
      const e: Stored = { seq: seg.seq + i, json };
      for (const s of ch.subscribers) s.push(e);
    }
  }

  /** the job ended: tell every subscriber, free the channel after the grace period */
  end(id: string, info: EndInfo): void {
    const ch = this.channels.get(id);
    if (!ch || ch.end) return;
    if (ch.pending > 0) {
      void ch.tail.then(() => this.end(id, info));
      return;
    }
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
