/**
 * A batch of a job's streamed events, decoded on first use.
 *
 * Under connection churn a probe delivers 200k+ events/s; decoding each into an object costs about
 * a microsecond of the host's CPU, taken from the workload being traced. Most of those events are
 * never looked at one by one: past the stored result's cap they are only counted, and without a
 * live subscriber nobody reads them while the job runs. So raw ring-buffer records travel as they
 * are — `length` is known without decoding — and `events()` decodes once, when the keeper
 * materialises the result or a subscriber reads them; every reader shares that one decoding.
 */
import { attachOwners, splitRecords, type OwnerResolver, type ProbeDefinition } from '@sonde/probe-sdk';

export type RecordDecoder = (sample: Buffer) => unknown;

export class EventBatch {
  private decoded: unknown[] | null;
  private owners: Pick<OwnerResolver, 'resolveAsync'> | undefined;
  private withOwners: Promise<void> | undefined;
  private attached = false;

  private constructor(
    readonly length: number,
    private readonly decode: (() => unknown[]) | null,
    decoded: unknown[] | null,
  ) {
    this.decoded = decoded;
  }

  /** events already decoded (probes that decode in the worker) */
  static of(events: unknown[]): EventBatch {
    return new EventBatch(events.length, null, events);
  }

  /**
   * `records` raw ring-buffer records in `buf` (probe-sdk splitRecords layout), decoded with the
   * probe's `decode` when first asked. A decoder that throws ends the batch there; `onError` hears
   * why (once per batch).
   */
  static records(buf: Uint8Array, records: number, decode: RecordDecoder, onError: (message: string) => void): EventBatch {
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    return new EventBatch(records, () => {
      const out: unknown[] = [];
      try {
        for (const sample of splitRecords(b, records)) out.push(decode(sample));
      } catch (err) {
        onError(`events not decoded: ${(err as Error).message}`);
      }
      return out;
    }, null);
  }

  /**
   * Raw records to be decoded by the probe definition's `decode`. Problems (no decoder, a decoder that
   * throws) are added once each to `warnings`, which ends up in the result.
   */
  static fromProbe(def: Pick<ProbeDefinition, 'name' | 'decode'> | null, buf: Uint8Array, records: number, warnings: string[]): EventBatch {
    const warn = (w: string) => {
      if (!warnings.includes(w)) warnings.push(w);
    };
    if (def?.decode) return EventBatch.records(buf, records, def.decode as RecordDecoder, warn);
    warn(`events not decoded: ${def ? `probe ${def.name} declares no decode` : 'the probe module could not be imported'}`);
    return EventBatch.of([]);
  }

  /** the events, decoded now if they were not yet (the same array on every call) */
  events(): unknown[] {
    if (!this.decoded) this.decoded = this.decode ? this.decode() : [];
    return this.decoded;
  }

  /**
   * Owners for this batch's events (`owner` from each event's `cgroup`), attached when ready() is
   * first awaited: one resolveAsync per distinct id in the batch, nothing per event in the kernel.
   */
  ownersFrom(owners: Pick<OwnerResolver, 'resolveAsync'> | undefined): this {
    this.owners = owners;
    return this;
  }

  /** decode (if not yet) and attach owners; events() carry them once this resolves. Never rejects. */
  ready(): Promise<void> {
    if (!this.owners) return Promise.resolve();
    this.withOwners ??= attachOwners(this.events(), this.owners).then(
      () => {
        this.attached = true;
      },
      () => {
        this.attached = true;
      },
    );
    return this.withOwners;
  }

  /** true when events() carry their owners (or none are to be attached) */
  get ownersAttached(): boolean {
    return !this.owners || this.attached;
  }

  /** whether events() would not decode */
  get isDecoded(): boolean {
    return this.decoded !== null;
  }
}
