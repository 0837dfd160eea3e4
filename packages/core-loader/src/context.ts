/**
 * ProbeContext over the native addon: what a probe's run() sees inside a worker (or inline).
 * It owns the job's BpfObject and guarantees it is closed when the job ends, however it ends.
 */
import type { BpfSpec, BudgetReport, HookVariant, LoadOptions, LoadedBpf, MapDump, OwnerBy, OwnerGroup, ProbeContext, RingReader } from '@sonde/probe-sdk';
import { ProbeLoadError, ProbeUnavailableError, VerifierRejectedError } from '@sonde/probe-sdk';
import type { JobBudget } from './api.js';
import { BudgetMeter } from './budget.js';
import { fittingVariants, permissionProblem } from './features.js';
import { encodeGlobal } from './globals.js';
import { asProbeError, native, verifierRefusal, type BpfObject } from './native.js';

export interface ContextHooks {
  attached(variant: string, at: number): void;
  events(batch: unknown[]): void;
  /**
   * Raw ring-buffer records for the receiving thread to decode with the probe definition's `decode`
   * (worker jobs only): a decoded event costs ~2 us more to post than its bytes.
   */
  records?(buf: Uint8Array, records: number): void;
  /** by: pod/container — the group of each cgroup id, from the thread that resolves owners */
  ownerGroups?(ids: string[], by: OwnerBy): Promise<Map<string, OwnerGroup>>;
}

/** bpf/include/owner_filter.h: the switch, the id map and its size */
const OWNER_SWITCH = 'targ_owner_filter';
const OWNER_MAP = 'owner_cgroups';
const OWNER_MAP_MAX = 1024;

/** Longest a probe may take from job start to attached before the job fails. */
const LOAD_TIMEOUT_MS = 30_000;
const EVENT_FLUSH_MS = 50;
const EVENT_FLUSH_COUNT = 2048;

export class JobContext implements ProbeContext {
  readonly signal: AbortSignal;
  deadline: number;
  variant: string | null = null;
  readonly warnings: string[] = [];
  events = 0;
  lostEvents = 0;
  stopReason: 'deadline' | 'cancel' | 'budget' | null = null;
  /** jobs with a budget: the limit and what the programs used (set by close()) */
  budgetReport: BudgetReport | undefined;
  private meter: BudgetMeter | null = null;

  private readonly ac = new AbortController();
  private obj: BpfObject | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pending: unknown[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  /** owner filter: the ids set to 1 in the kernel's map, and every key the map holds (zeroed ones too) */
  private ownerOn = new Set<string>();
  private ownerKeys = new Set<string>();

  constructor(
    readonly jobId: string,
    private readonly spec: BpfSpec,
    private readonly durationMs: number,
    private readonly hooks: ContextHooks,
    private readonly budget?: JobBudget,
    /** the probe's name, for errors */
    private readonly probe = 'probe',
    /** the owner filter's cgroup ids (decimal), computed by the control plane; undefined = no filter */
    private ownerIds?: readonly string[],
  ) {
    this.signal = this.ac.signal;
    // until attached, the clock guards the load itself; the measuring window starts at attach
    this.deadline = Date.now() + durationMs + LOAD_TIMEOUT_MS;
    this.arm(this.deadline);
  }

  /** stop early (DELETE /v1/jobs/{id}, SIGTERM) */
  stop(): void {
    this.end('cancel');
  }

  private end(reason: 'deadline' | 'cancel' | 'budget'): void {
    if (this.signal.aborted) return;
    this.stopReason = reason;
    this.ac.abort(reason);
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    // not unref'd: a job keeps its process alive until it ends (the CLI's local runs rely on it)
    this.timer = setTimeout(() => this.end('deadline'), Math.max(0, at - Date.now()));
  }

  async load(opts: LoadOptions = {}): Promise<LoadedBpf> {
    if (this.obj) throw new ProbeLoadError('load() called twice in one job', 'load');
    const perm = permissionProblem();
    if (perm) throw new ProbeLoadError(`cannot load BPF programs: ${perm}`, 'load', 'EPERM', perm);
    const { fits, reason } = fittingVariants(this.spec.variants);
    if (fits.length === 0) throw new ProbeUnavailableError(this.probe, reason ?? 'no hook variant fits');
    // a variant the verifier refuses gives way to the next fitting one; the last refusal is the error
    let refused: VerifierRejectedError | undefined;
    for (const variant of fits) {
      try {
        const obj = this.loadVariant(variant, opts);
        if (refused) this.warn(`hook variant ${refused.verifier.variant} was refused by the verifier here (${refused.verifier.program}); running ${variant.name}`);
        return this.attached(obj, variant, opts);
      } catch (err) {
        if (!(err instanceof VerifierRejectedError)) throw err;
        refused = err;
      }
    }
    throw refused!;
  }

  /** Open, configure, load and attach one variant; on any failure nothing of it stays in the kernel. */
  private loadVariant(variant: HookVariant, opts: LoadOptions): BpfObject {
    const n = native();
    let obj: BpfObject;
    try {
      obj = n.BpfObject.open(this.spec.object);
    } catch (err) {
      throw asProbeError(err, 'open');
    }
    this.obj = obj;
    let sections = new Map<string, string>();
    try {
      sections = new Map(obj.programs().map((p) => [p.name, p.section]));
      const wanted = new Set(variant.programs);
      for (const p of sections.keys()) obj.setAutoload(p, wanted.has(p));
      const sizes = new Map(obj.globals().map((g) => [g.name, g.size]));
      for (const [name, value] of Object.entries(opts.globals ?? {})) {
        if (value === undefined) continue;
        const size = sizes.get(name);
        if (size === undefined) throw new ProbeLoadError(`the BPF object has no global named ${name}`, 'load', 'ENOENT');
        obj.setGlobal(name, encodeGlobal(name, value, size));
      }
      for (const [map, entries] of Object.entries<number | undefined>(opts.maxEntries ?? {})) if (entries !== undefined) obj.setMaxEntries(map, entries);
      if (this.ownerIds) {
        const size = sizes.get(OWNER_SWITCH);
        if (size === undefined) throw new ProbeLoadError(`${this.probe} cannot filter by owner: its BPF object has no ${OWNER_SWITCH}`, 'load', 'ENOENT');
        obj.setGlobal(OWNER_SWITCH, encodeGlobal(OWNER_SWITCH, 1, size));
      }
      obj.load();
      // the id set is in the kernel before the first program runs
      if (this.ownerIds) {
        this.ownerOn.clear();
        this.ownerKeys.clear();
        this.writeOwnerIds(obj, this.ownerIds);
      }
      for (const p of variant.programs) obj.attach(p);
    } catch (err) {
      this.close();
      throw verifierRefusal(err, this.probe, variant.name, sections) ?? asProbeError(err, 'load');
    }
    return obj;
  }

  private attached(obj: BpfObject, variant: HookVariant, opts: LoadOptions): LoadedBpf {
    this.variant = variant.name;
    const loaded = new Loaded(obj, variant.name);
    opts.onAttach?.(loaded);
    if (this.budget) this.meterBudget(obj, this.budget);
    const at = Date.now();
    this.deadline = at + this.durationMs;
    if (!this.signal.aborted) this.arm(this.deadline);
    this.hooks.attached(variant.name, at);
    return loaded;
  }

  wait(ms?: number): Promise<boolean> {
    if (this.signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => {
        if (t) clearTimeout(t);
        resolve(false);
      };
      const t =
        ms === undefined
          ? null
          : setTimeout(() => {
              this.signal.removeEventListener('abort', onAbort);
              resolve(!this.signal.aborted);
            }, Math.max(0, ms));
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  emit(events: unknown[]): void {
    if (events.length === 0) return;
    this.events += events.length;
    // a drain's batch is handed over as it is when nothing is pending (emit takes ownership)
    if (this.pending.length === 0) this.pending = events;
    else for (const e of events) this.pending.push(e);
    if (this.pending.length >= EVENT_FLUSH_COUNT) this.flush();
    else if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), EVENT_FLUSH_MS);
  }

  /**
   * Hand over undecoded records (drainEvents with `mainThread`): true when the receiving side
   * decodes them — the events are counted here, in order after everything emitted before — false
   * when this context cannot (inline jobs), and the caller decodes and emits as usual.
   */
  emitRecords(buf: Uint8Array, records: number): boolean {
    if (!this.hooks.records) return false;
    if (records === 0) return true;
    this.flush();
    this.events += records;
    this.hooks.records(buf, records);
    return true;
  }

  /**
   * A new owner filter set while the job runs (the control plane recomputed it: a pod started, a
   * label changed). Ids that left are zeroed, not deleted (owner_filter.h); when the map would hold
   * more keys than it can, it is cleared and refilled, which leaves it empty for a moment.
   */
  setOwnerIds(ids: readonly string[]): void {
    if (!this.ownerIds) return; // a job without an owner filter has no switch on
    this.ownerIds = ids;
    if (this.obj && this.variant) this.writeOwnerIds(this.obj, ids);
  }

  private writeOwnerIds(obj: BpfObject, ids: readonly string[]): void {
    const want = new Set(ids);
    const added = [...want].filter((id) => !this.ownerKeys.has(id));
    if (this.ownerKeys.size + added.length > OWNER_MAP_MAX) {
      obj.clear(OWNER_MAP);
      this.ownerKeys.clear();
      this.ownerOn.clear();
    }
    const key = Buffer.alloc(8);
    const put = (id: string, on: number) => {
      key.writeBigUInt64LE(BigInt(id), 0);
      obj.update(OWNER_MAP, key, Uint8Array.of(on));
    };
    for (const id of want) {
      if (this.ownerOn.has(id)) continue;
      put(id, 1);
      this.ownerOn.add(id);
      this.ownerKeys.add(id);
    }
    for (const id of [...this.ownerOn]) {
      if (want.has(id)) continue;
      put(id, 0);
      this.ownerOn.delete(id);
    }
  }

  /** the group of each cgroup id for by: pod/container; each its own group where nothing resolves owners */
  async ownerGroups(ids: string[], by: OwnerBy): Promise<Map<string, OwnerGroup>> {
    if (this.hooks.ownerGroups) return this.hooks.ownerGroups(ids, by);
    return new Map(ids.map((id) => [id, { key: id, cgroup: id }]));
  }

  lost(n: number): void {
    this.lostEvents += n;
  }

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  kernelEnum(name: string): Array<{ name: string; value: number }> {
    return native().features.enumValues(name);
  }

  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.hooks.events(batch);
  }

  /** run time is counted while the object holds BPF_ENABLE_STATS; over budget, the job ends 'budget' */
  private meterBudget(obj: BpfObject, budget: JobBudget): void {
    try {
      obj.enableStats();
    } catch (err) {
      this.warn(`kernel budget not enforced: cannot enable BPF run-time stats (${(err as Error).message.split('\n')[0]})`);
      return;
    }
    this.meter = new BudgetMeter(budget, obj, (which) => {
      this.warn(`stopped: over the kernel budget (${which})`);
      this.end('budget');
    });
    this.meter.start();
  }

  /** Release everything in the kernel. Idempotent; called on every ending. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.meter) {
      this.budgetReport = this.meter.report(); // the last sample needs the object open
      this.meter = null;
    }
    this.flush();
    const obj = this.obj;
    this.obj = null;
    obj?.close();
  }
}

class Loaded implements LoadedBpf {
  private globalsByName: Map<string, { section: string; offset: number; size: number }> | undefined;

  constructor(
    private readonly obj: BpfObject,
    readonly variant: string,
  ) {}

  private guard<T>(stage: ProbeLoadError['stage'], fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw asProbeError(err, stage);
    }
  }

  readMap(name: string): MapDump {
    return this.guard('read', () => this.obj.lookupBatch(name));
  }
  clearMap(name: string): void {
    this.guard('read', () => this.obj.clear(name));
  }
  ringbuf(name: string): RingReader {
    const rb = this.guard('attach', () => this.obj.ringBuffer(name));
    return { consume: (maxBytes?: number) => this.guard('read', () => rb.consume(maxBytes)) };
  }
  runIter(program: string): Buffer {
    return this.guard('run', () => this.obj.runIter(program));
  }
  stack(map: string, id: number): bigint[] {
    return this.guard('read', () => Array.from(this.obj.stack(map, id)));
  }
  readGlobal(name: string): Buffer {
    this.globalsByName ??= new Map(this.obj.globals().map((g) => [g.name, g]));
    const g = this.globalsByName.get(name);
    if (!g) throw new ProbeLoadError(`the BPF object has no global named ${name}`, 'read', 'ENOENT');
    const section = this.guard('read', () => this.obj.lookup(g.section, new Uint8Array(4)));
    if (!section) throw new ProbeLoadError(`cannot read section ${g.section}`, 'read', 'ENOENT');
    return section.subarray(g.offset, g.offset + g.size);
  }
}
