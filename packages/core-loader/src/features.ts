/**
 * Feature probing: decide which hook variant of a probe fits this kernel, with a reason when none does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { FeatureNeed, HookVariant } from '@sonde/probe-sdk';
import { loadNative } from './native.js';

const memo = new Map<string, boolean>();

function describe(need: FeatureNeed): string {
  switch (need.kind) {
    case 'btf':
      return 'kernel BTF (/sys/kernel/btf/vmlinux)';
    case 'tp_btf':
      return need.args === undefined ? `tp_btf/${need.event}` : `tp_btf/${need.event} with ${need.args} arguments`;
    case 'tracepoint':
      return `tracepoint ${need.category}/${need.event} (needs tracefs at /sys/kernel/tracing)`;
    case 'prog_type':
      return `BPF program type ${need.type}`;
    case 'btf_type':
      return `kernel type ${need.name}`;
    case 'btf_field':
      return `${need.struct}.${need.field} in the kernel's BTF`;
    case 'btf_enum_value':
      return `${need.name} in enum ${need.enum}`;
    case 'fentry':
      return `fentry on ${need.function} (trampolines)`;
    case 'kprobe':
      return `kprobe on ${need.function}`;
  }
}

export function hasFeature(need: FeatureNeed): boolean {
  const key = JSON.stringify(need);
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const { mod } = loadNative();
  if (!mod) return false;
  const f = mod.features;
  let ok: boolean;
  try {
    switch (need.kind) {
      case 'btf':
        ok = f.btf();
        break;
      case 'tp_btf':
        ok = f.btf() && f.tpBtf(need.event) && (need.args === undefined || f.tpBtfArgs(need.event) === need.args);
        break;
      case 'tracepoint':
        ok = ensureTracefs() && f.tracepoint(need.category, need.event);
        break;
      case 'prog_type':
        ok = f.progType(need.type);
        break;
      case 'btf_type':
        ok = f.btfType(need.name);
        break;
      case 'btf_field':
        ok = f.btfField(need.struct, need.field);
        break;
      case 'btf_enum_value':
        ok = f.enumValues(need.enum).some((e) => e.name === need.name);
        break;
      case 'fentry':
        ok = f.fentry(need.function);
        break;
      case 'kprobe':
        ok = f.kprobe(need.function);
        break;
    }
  } catch {
    ok = false;
  }
  // tracefs can be mounted later; only remember positive tracepoint answers
  if (ok || need.kind !== 'tracepoint') memo.set(key, ok);
  return ok;
}

export interface VariantChoice {
  variant?: HookVariant;
  /** why no variant fits, naming what each one lacks */
  reason?: string;
}

export function chooseVariant(variants: HookVariant[]): VariantChoice {
  const f = fittingVariants(variants);
  return f.fits.length ? { variant: f.fits[0] } : { reason: f.reason };
}

/**
 * Every variant whose needs this kernel meets, in the probe's order of preference (the loader
 * falls back to the next one when the verifier refuses a fitting variant), and what the others lack.
 */
export function fittingVariants(variants: HookVariant[]): { fits: HookVariant[]; reason?: string; lacking: string[] } {
  const native = loadNative();
  if (!native.mod) return { fits: [], reason: native.error ?? 'native addon missing', lacking: [] };
  const lacking: string[] = [];
  const fits: HookVariant[] = [];
  for (const v of variants) {
    const lacks = v.needs.filter((n) => !hasFeature(n));
    if (lacks.length === 0) fits.push(v);
    else lacking.push(`${v.name}: no ${lacks.map(describe).join(', ')}`);
  }
  if (fits.length) return { fits, lacking };
  return { fits, lacking, reason: lacking.length ? `no hook variant fits this kernel (${lacking.join('; ')})` : 'probe declares no hook variants' };
}

/** Root or CAP_BPF+CAP_PERFMON: the effective capability set, read from /proc (no extra deps). */
export function permissionProblem(): string | undefined {
  if (process.geteuid?.() === 0) return undefined;
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const m = /CapEff:\s*([0-9a-f]+)/.exec(status);
    if (m) {
      const caps = BigInt('0x' + m[1]);
      const CAP_SYS_ADMIN = 21n, CAP_PERFMON = 38n, CAP_BPF = 39n;
      const has = (c: bigint) => ((caps >> c) & 1n) === 1n;
      if (has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON))) return undefined;
    }
  } catch {
    /* fall through */
  }
  return 'needs root or CAP_BPF+CAP_PERFMON';
}


const TRACEFS = '/sys/kernel/tracing';

/**
 * Classic tracepoints attach through tracefs, which is not always mounted (tp_btf needs none).
 * As root, mount it once, as `mount -t tracefs nodev /sys/kernel/tracing` would; otherwise say no.
 */
export function ensureTracefs(): boolean {
  if (existsSync(`${TRACEFS}/events`)) return true;
  if (permissionProblem()) return false;
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS], { stdio: 'ignore', timeout: 5000 });
  } catch {
    return false;
  }
  return existsSync(`${TRACEFS}/events`);
}
