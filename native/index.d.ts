/**
 * @sonde/native — a thin, safe Node-API wrapper over the system libbpf.
 *
 * Every kernel object (object, links, ring buffers, iterator fds) belongs to one BpfObject and is
 * released by its idempotent close(), by garbage collection, and when the JS environment (main
 * thread or worker thread) is torn down.
 *
 * Failures throw BpfError: `code` is the errno name ('EPERM', 'ENOENT', 'EINVAL', …), `errno` the
 * positive number, `stage` the step, `hint` a human next step where one is known.
 */

export interface BpfErrorShape extends Error {
  code: string;
  errno: number;
  stage: 'open' | 'load' | 'attach' | 'read' | 'run';
  hint?: string;
}

export interface ProgramInfo {
  name: string;
  section: string;
  /** libbpf's program type name, e.g. 'tracing', 'tracepoint', 'raw_tracepoint' */
  type: string;
  autoload: boolean;
}

export interface ProgramStats {
  id: number;
  name: string;
  runTimeNs: number;
  runCount: number;
}

export interface MapInfo {
  name: string;
  /** libbpf's map type name, e.g. 'hash', 'ringbuf', 'stack_trace' */
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
}

export interface GlobalInfo {
  name: string;
  /** the data section holding it: '.rodata', '.bss', '.data' */
  section: string;
  offset: number;
  size: number;
}

export interface MapBatch {
  keys: Buffer;
  values: Buffer;
  count: number;
  keySize: number;
  valueSize: number;
  /** per-CPU maps: number of possible CPUs; each value is `cpus` slots of roundup(value_size, 8) bytes (valueSize is the whole stride). 1 otherwise. */
  cpus?: number;
}

export interface ConsumeResult {
  /** records laid out as u32 length, then the sample, padded to 8 bytes */
  buf: Buffer;
  records: number;
  /** bytes used in buf (headers and padding included) */
  bytes: number;
}

export declare class RingBuffer {
  /** drain up to maxBytes (default 1 MiB) of records without blocking */
  consume(maxBytes?: number): ConsumeResult;
  /** wait up to timeoutMs for data (blocks the calling thread: use from workers only), then consume */
  poll(timeoutMs: number, maxBytes?: number): ConsumeResult;
  close(): void;
}

export declare class BpfObject {
  /** bpf_object__open_file; throws BpfError(stage 'open') */
  static open(path: string): BpfObject;
  programs(): ProgramInfo[];
  maps(): MapInfo[];
  /** variables of .rodata/.data/.bss from the object's BTF */
  globals(): GlobalInfo[];
  /** write bytes into a global's initial value before load (bytes.length must equal its size or be smaller) */
  setGlobal(name: string, bytes: Uint8Array): void;
  setMaxEntries(map: string, n: number): void;
  setAutoload(program: string, on: boolean): void;
  load(): void;
  /** attach one program by name, or every autoloaded program when no name is given; returns links made */
  attach(program?: string): number;
  /** all entries with BPF_MAP_LOOKUP_BATCH (falls back to iterate+lookup for maps without batch support) */
  lookupBatch(map: string): MapBatch;
  lookup(map: string, key: Uint8Array): Buffer | null;
  update(map: string, key: Uint8Array, value: Uint8Array): void;
  clear(map: string): number;
  ringBuffer(map: string): RingBuffer;
  /** attach an iter/* program, read it to EOF, detach; returns its output */
  runIter(program: string): Buffer;
  /** instruction pointers of a stack id in a BPF_MAP_TYPE_STACK_TRACE map */
  stack(map: string, id: number): BigUint64Array;
  /** ids of the kernel programs this object loaded (for leak checks and bpf_stats) */
  programIds(): number[];
  /**
   * run time and run count of each loaded program (bpf_prog_info run_time_ns/run_cnt); the kernel
   * counts them only while `kernel.bpf_stats_enabled` is 1, else they stay 0. Empty before load.
   */
  programStats(): ProgramStats[];
  /**
   * turn on run-time stats (BPF_ENABLE_STATS) for as long as this object is open: the kernel
   * refcounts the request, so closing the object — or the process dying — restores the host.
   */
  enableStats(): boolean;
  /** detach links, free ring buffers, close the object; idempotent */
  close(): void;
  readonly closed: boolean;
}

export declare const features: {
  /** /sys/kernel/btf/vmlinux is present and parses */
  btf(): boolean;
  /** a named type of the given BTF kind exists in vmlinux BTF ('typedef', 'struct', 'enum', 'func') */
  btfType(name: string, kind?: 'typedef' | 'struct' | 'union' | 'enum' | 'func'): boolean;
  /** `tp_btf/<event>` usable: vmlinux BTF has typedef btf_trace_<event> */
  tpBtf(event: string): boolean;
  /** classic tracepoint exists in tracefs (false when tracefs is not mounted) */
  tracepoint(category: string, event: string): boolean;
  /** libbpf_probe_bpf_prog_type for a libbpf type name ('tracing', 'tracepoint', 'raw_tracepoint', …) */
  progType(type: string): boolean;
  /** the enumerators of a vmlinux BTF enum, e.g. 'skb_drop_reason' */
  enumValues(name: string): Array<{ name: string; value: number }>;
  /** arguments a `tp_btf/<event>` program receives (the trace function's, without its data pointer); -1 without BTF for it */
  tpBtfArgs(event: string): number;
  /** struct or union `struct` has a member `field` (anonymous members searched, as CO-RE does) */
  btfField(struct: string, field: string): boolean;
  /** a kprobe can attach to `function`: the kernel has kprobes and the function is a text symbol in kallsyms */
  kprobe(function_: string): boolean;
  /** an fentry program on `function` loads and attaches here (tried once per process; nothing stays loaded) */
  fentry(function_: string): boolean;
};

/** the samples of a consume()/poll() result (or its buf), as views into the buffer */
export declare function splitRecords(res: ConsumeResult | Buffer): Buffer[];

/** how many BpfObjects this JS environment still holds open (for leak tests) */
export declare function openObjectCount(): number;

export declare const libbpfVersion: string;
