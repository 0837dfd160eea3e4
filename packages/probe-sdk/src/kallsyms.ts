/**
 * Kernel stack symbolization from /proc/kallsyms: text symbols only, nearest lower address,
 * `name+0xoff`, `[module]` kept. The table is read once per process (it is ~120k lines) and shared
 * by every job in that worker; `kallsyms({ reload: true })` rereads it (modules loaded later).
 *
 * Addresses are kept as numbers: every kernel text address is at or above 0xfff0000000000000, so its
 * low 52 bits order and identify it exactly in a double. Lower addresses are never kernel text.
 */
import { readFileSync } from 'node:fs';

const KERNEL_BASE = 0xfff0000000000000n;
const LOW_MASK = (1n << 52n) - 1n;

export interface KernelSymbol {
  name: string;
  /** bytes from the symbol's start */
  offset: number;
  /** the module, 'bpf' for JIT-ed BPF programs, absent for the core kernel */
  module?: string;
}

export interface Kallsyms {
  /** symbols with addresses (false when kptr_restrict hides them: every address reads as 0) */
  readonly usable: boolean;
  readonly size: number;
  resolve(ip: bigint): KernelSymbol | null;
  /** `name+0xoff [module]`, or `0x<hex>` when nothing resolves */
  format(ip: bigint): string;
  /** where a core-kernel function's code lies, [lo, hi) up to the next symbol; null when not found */
  range(name: string): { lo: bigint; hi: bigint } | null;
}

class Table implements Kallsyms {
  constructor(
    private readonly addrs: Float64Array,
    private readonly names: string[],
    private readonly modules: (string | undefined)[],
  ) {}

  get usable(): boolean {
    return this.addrs.length > 0;
  }
  get size(): number {
    return this.addrs.length;
  }

  resolve(ip: bigint): KernelSymbol | null {
    if (ip < KERNEL_BASE) return null;
    const a = Number(ip & LOW_MASK);
    const addrs = this.addrs;
    let lo = 0;
    let hi = addrs.length - 1;
    if (hi < 0 || a < addrs[0]!) return null;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (addrs[mid]! <= a) lo = mid;
      else hi = mid - 1;
    }
    const module = this.modules[lo];
    return { name: this.names[lo]!, offset: a - addrs[lo]!, ...(module ? { module } : {}) };
  }

  range(name: string): { lo: bigint; hi: bigint } | null {
    const i = this.names.findIndex((n, j) => n === name && !this.modules[j]);
    if (i < 0 || i + 1 >= this.addrs.length) return null;
    return { lo: KERNEL_BASE | BigInt(this.addrs[i]!), hi: KERNEL_BASE | BigInt(this.addrs[i + 1]!) };
  }

  format(ip: bigint): string {
    const s = this.resolve(ip);
    if (!s) return `0x${ip.toString(16)}`;
    return `${s.name}+0x${s.offset.toString(16)}${s.module ? ` [${s.module}]` : ''}`;
  }
}

/** Parse kallsyms text: `ffffffff81000000 T _stext` / `ffffffffc0201000 t name\t[module]`. */
export function parseKallsyms(text: string): Kallsyms {
  const rows: Array<{ a: number; name: string; module?: string }> = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    // "<16 hex> <type> <name>[\t[module]]"
    const type = line.charCodeAt(17);
    // text symbols: T t W w (weak symbols in .text are W/w)
    if (line.charCodeAt(16) !== 32 || (type !== 84 && type !== 116 && type !== 87 && type !== 119)) continue;
    const hex = line.slice(0, 16);
    if (!hex.startsWith('fff')) continue; // 0000… when kptr_restrict hides addresses
    let name = line.slice(19);
    let module: string | undefined;
    const tab = name.indexOf('\t');
    if (tab >= 0) {
      const m = name.slice(tab + 1).trim();
      module = m.startsWith('[') && m.endsWith(']') ? m.slice(1, -1) : m;
      name = name.slice(0, tab);
    }
    // __pfx_<fn> is the padding in front of <fn>: an ip is never in it, and it would shadow nothing
    if (name.startsWith('__pfx_')) continue;
    rows.push({ a: Number(BigInt('0x' + hex) & LOW_MASK), name, ...(module ? { module } : {}) });
  }
  rows.sort((x, y) => x.a - y.a);
  return new Table(
    Float64Array.from(rows, (r) => r.a),
    rows.map((r) => r.name),
    rows.map((r) => r.module),
  );
}

let cached: Kallsyms | undefined;

/** The process-wide table from /proc/kallsyms, read on first use. */
export function kallsyms(opts: { reload?: boolean; path?: string } = {}): Kallsyms {
  if (!cached || opts.reload || opts.path) {
    let text = '';
    try {
      text = readFileSync(opts.path ?? '/proc/kallsyms', 'utf8');
    } catch {
      /* not Linux or not readable: nothing resolves */
    }
    const t = parseKallsyms(text);
    if (opts.path) return t;
    cached = t;
  }
  return cached;
}

/**
 * Frames a BPF program's own call adds at the top of a stack it takes: the JIT-ed program
 * (`bpf_prog_<tag>_<name>`, whose symbol may postdate the cached table) and the tracepoint
 * trampoline (`bpf_trace_run<N>` for tp_btf/raw_tp, `__bpf_trace_<event>`, `perf_trace_<event>` or
 * `trace_call_bpf` for classic tracepoints).
 */
const BPF_FRAME = /^(bpf_prog_|bpf_trace_run\d+$|__bpf_trace_|trace_call_bpf$|perf_trace_run_bpf_submit$|perf_trace_)/;

/**
 * A kernel stack (innermost first) as `name+0xoff [module]` strings, with the BPF trampoline frames
 * at the top removed: everything up to and including the last BPF frame among the first four.
 */
export function symbolizeStack(ips: readonly bigint[], table: Kallsyms = kallsyms()): string[] {
  const names = ips.map((ip) => table.format(ip));
  let skip = 0;
  for (let i = 0; i < Math.min(4, ips.length); i++) {
    const s = table.resolve(ips[i]!);
    if (s && BPF_FRAME.test(s.name)) skip = i + 1;
  }
  return names.slice(skip);
}
