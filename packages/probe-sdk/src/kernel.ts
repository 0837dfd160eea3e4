/**
 * The kernel-facing view a probe gets from the loader. Probes never import the native addon:
 * the loader implements these interfaces over it, so a probe stays plain TypeScript.
 */

/** A kernel capability a hook variant needs; the loader checks them by feature probing. */
export type FeatureNeed =
  | { kind: 'btf' }
  /**
   * `tp_btf/<event>`: the kernel BTF has `btf_trace_<event>`. No tracefs needed. `args`: the event
   * passes exactly that many arguments here (tracepoints gain arguments between kernels, and a
   * program that reads one the kernel does not pass is refused by the verifier).
   */
  | { kind: 'tp_btf'; event: string; args?: number }
  /** classic `tracepoint/<category>/<event>`: needs tracefs mounted (the loader mounts it if it can). */
  | { kind: 'tracepoint'; category: string; event: string }
  /** a BPF program type loads on this kernel, e.g. 'tracing', 'raw_tracepoint'. */
  | { kind: 'prog_type'; type: string }
  /** a kernel BTF type (struct/enum/…) exists, e.g. to gate a CO-RE path. */
  | { kind: 'btf_type'; name: string }
  /** `struct.field` exists in the kernel's BTF (anonymous members searched, as CO-RE does). */
  | { kind: 'btf_field'; struct: string; field: string }
  /** an enumerator of a kernel enum exists, e.g. a drop reason (`skb_drop_reason`, `SKB_DROP_REASON_…`). */
  | { kind: 'btf_enum_value'; enum: string; name: string }
  /** `fentry/<function>` (and fexit): the kernel attaches trampolines to it (tried once, nothing kept). */
  | { kind: 'fentry'; function: string }
  /** `kprobe/<function>` (and kretprobe): the kernel has kprobes and the function is in kallsyms. */
  | { kind: 'kprobe'; function: string };

/** One way of hooking the kernel; the first variant whose needs all hold is the one that runs. */
export interface HookVariant {
  /** short name recorded in the result, e.g. 'tp_btf' or 'tracepoint' */
  name: string;
  /** BPF program (function) names this variant loads and attaches; the rest are not loaded */
  programs: string[];
  needs: FeatureNeed[];
  /**
   * What this variant cannot see that the probe's first variant can, in a user's words (e.g. "inbound
   * drops before the socket lookup name no socket: the tuple comes from the headers"). The catalogue
   * shows it for the variant the running kernel gets.
   */
  cannotSee?: string[];
}

export interface BpfSpec {
  /** absolute path of the compiled `<probe>.bpf.o` shipped in the probe package's dist/ */
  object: string;
  /** in order of preference */
  variants: HookVariant[];
}

/**
 * A `const volatile` global value. Numbers and bigints are written little-endian in the
 * variable's own size; byte arrays are copied and must not exceed it (the rest is zeroed).
 */
export type GlobalValue = number | bigint | boolean | Uint8Array;

/**
 * The names an object declares, from its generated layout (layout.gen.ts `Names`): with them, a map,
 * program or global name that the object does not have is a compile-time error, not a failed job.
 */
export interface ObjectNames {
  map: string;
  program: string;
  globals: Record<string, GlobalValue | undefined>;
}

export interface LoadOptions<N extends ObjectNames = ObjectNames> {
  /** `const volatile targ_*` globals in .rodata, set before load */
  globals?: Partial<N['globals']>;
  /** map name -> max_entries, set before load */
  maxEntries?: Partial<Record<N['map'], number>>;
  /**
   * Runs once the programs are attached, before the job is announced as attached: a baseline read (an
   * iterator pass) that traffic started on "attached" must not precede.
   */
  onAttach?: (bpf: LoadedBpf<N>) => void;
}

/** All entries of a map, read with one batch lookup: key i is keys[i*keySize ..]. */
export interface MapDump {
  keys: Buffer;
  values: Buffer;
  count: number;
  keySize: number;
  /** the whole value; for per-CPU maps `cpus` slots of roundup(value size, 8) bytes (see sumPerCpu) */
  valueSize: number;
  /** per-CPU maps: the number of possible CPUs; 1 or absent otherwise */
  cpus?: number;
}

/**
 * A ring buffer drained in bounded batches: one native crossing per batch.
 * Records in the returned buffer are laid out as `u32 length` followed by the sample bytes,
 * padded to 8 bytes; `records` says how many there are.
 */
export interface RingReader {
  consume(maxBytes?: number): { buf: Buffer; records: number; bytes: number };
}

export interface LoadedBpf<N extends ObjectNames = ObjectNames> {
  /** the hook variant that was loaded and attached */
  readonly variant: string;
  readMap(name: N['map']): MapDump;
  clearMap(name: N['map']): void;
  ringbuf(name: N['map']): RingReader;
  /** run an `iter/*` program to the end and return everything it wrote */
  runIter(program: N['program']): Buffer;
  /** the instruction pointers of one stack id in a stack-trace map (zeros removed) */
  stack(map: N['map'], id: number): bigint[];
  /** the current bytes of a global in .bss/.data (e.g. a counter the programs update) */
  readGlobal(name: string): Buffer;
}

export interface ProbeContext {
  readonly jobId: string;
  /** aborted when the job is stopped early or reaches its deadline */
  readonly signal: AbortSignal;
  /** epoch ms at which the job ends by itself */
  readonly deadline: number;
  /** open the probe's object, pick the hook variant, set globals, load and attach. Once per job. */
  load<N extends ObjectNames = ObjectNames>(opts?: LoadOptions<N>): Promise<LoadedBpf<N>>;
  /**
   * Sleep until `ms` passes or the job ends, whichever is first (no ms: until the job ends).
   * Resolves true when the time passed with the job still running, false once it has ended.
   */
  wait(ms?: number): Promise<boolean>;
  /** stream decoded events to subscribers; the loader batches them */
  emit(events: unknown[]): void;
  /** count events the kernel reported lost (ring buffer full) */
  lost(n: number): void;
  /** a note for the result's `warnings` */
  warn(message: string): void;
  /** the enumerators of a kernel BTF enum, e.g. 'skb_drop_reason' ([] when the kernel has no such enum) */
  kernelEnum(name: string): Array<{ name: string; value: number }>;
  /**
   * `by: "pod" | "container"`: the owner group of each cgroup id (owner/attach.ts ownerGroups),
   * answered by the thread that resolves owners (the control plane's, which holds the cgroup tree and
   * the pod cache). Probes call it through ownerGroupsOf(), which keeps each cgroup its own group
   * where a context has no such answer.
   */
  ownerGroups?(cgroupIds: string[], by: 'pod' | 'container'): Promise<Map<string, { key: string; cgroup: string }>>;
}
