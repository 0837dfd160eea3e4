/**
 * What a stored result keeps of a job's event stream: the first `max` events, in order. Counts stay
 * exact past the cap (`seen`, `dropped`), and the result says `truncated`.
 */
export const DEFAULT_MAX_EVENTS = 100_000;

export class EventKeeper {
  readonly kept: unknown[] = [];
  seen = 0;

  constructor(readonly max = DEFAULT_MAX_EVENTS) {}

  add(batch: readonly unknown[]): void {
    this.seen += batch.length;
    const room = this.max - this.kept.length;
    if (room <= 0) return;
    for (let i = 0; i < batch.length && i < room; i++) this.kept.push(batch[i]);
  }

  get dropped(): number {
    return this.seen - this.kept.length;
  }

  /** the result's data with the kept events, for probes whose output is events */
  attach(data: unknown): unknown {
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
    return { ...(data as Record<string, unknown>), events: this.kept };
  }
}
