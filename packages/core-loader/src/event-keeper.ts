/**
 * What a stored result keeps of a job's event stream: the first `max` events, in order. Counts stay
 * exact past the cap (`seen`, `dropped`), and the result says `truncated`. Batches are kept as they
 * arrive (raw records stay raw) and decoded only when the result is put together.
 */
import type { EventBatch } from './event-batch.js';

export const DEFAULT_MAX_EVENTS = 100_000;

export class EventKeeper {
  private readonly batches: EventBatch[] = [];
  private held = 0;
  seen = 0;

  constructor(readonly max = DEFAULT_MAX_EVENTS) {}

  add(batch: EventBatch): void {
    this.seen += batch.length;
    if (this.held >= this.max || batch.length === 0) return;
    this.batches.push(batch);
    this.held += batch.length;
  }

  /** every kept batch decoded and its owners attached (EventBatch.ready) */
  async ready(): Promise<void> {
    await Promise.all(this.batches.map((b) => b.ready()));
  }

  /** the kept events, decoded (the first `max`) */
  kept(): unknown[] {
    const out: unknown[] = [];
    for (const b of this.batches) {
      for (const e of b.events()) {
        if (out.length >= this.max) return out;
        out.push(e);
      }
    }
    return out;
  }

  get dropped(): number {
    return this.seen - Math.min(this.held, this.max);
  }

  /** the result's data with the kept events, for probes whose output is events */
  attach(data: unknown, kept: unknown[] = this.kept()): unknown {
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
    return { ...(data as Record<string, unknown>), events: kept };
  }
}
