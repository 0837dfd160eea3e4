/**
 * Discovery-time verification: a probe is listed as ready only when the kernel's verifier accepts
 * its object here. Each fitting hook variant is loaded without attaching (nothing fires, nothing
 * stays) until one loads; the answer is cached per kernel and object, in memory and on disk, so a
 * server start pays for it once per boot of a kernel.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HookVariant } from '@sonde/probe-sdk';
import { VerifierRejectedError } from '@sonde/probe-sdk';
import { permissionProblem } from './features.js';
import { native, verifierRefusal } from './native.js';

export interface Verification {
  /** 'loaded': the variant loaded here; 'refused': every fitting variant was refused; 'not-verified': no privileges to try */
  status: 'loaded' | 'refused' | 'not-verified';
  variant?: string;
  /** refused: what the verifier said of the last variant tried */
  reason?: string;
  /** variants refused before the one that loaded (or all of them) */
  refused?: Array<{ variant: string; program?: string; hook?: string; last: string; log: string[] }>;
}

const memo = new Map<string, Verification>();

/** Where the per-kernel answers are kept: $SONDE_CACHE_DIR, or /var/cache/sonde (root) */
function cacheFile(): string {
  return join(process.env.SONDE_CACHE_DIR ?? '/var/cache/sonde', 'verified.json');
}

/** The running kernel exactly (release + build), plus the object's identity: any change re-verifies. */
function cacheKey(object: string, variants: HookVariant[]): string {
  const kernel = ['osrelease', 'version'].map((f) => readFileSync(`/proc/sys/kernel/${f}`, 'utf8').trim()).join(' ');
  const st = statSync(object);
  const h = createHash('sha256').update(kernel).update(object).update(`${st.size}:${st.mtimeMs}`).update(JSON.stringify(variants.map((v) => [v.name, v.programs])));
  return h.digest('hex').slice(0, 32);
}

function readDisk(): Record<string, Verification> {
  try {
    return JSON.parse(readFileSync(cacheFile(), 'utf8')) as Record<string, Verification>;
  } catch {
    return {};
  }
}

function writeDisk(key: string, v: Verification): void {
  try {
    const file = cacheFile();
    mkdirSync(dirname(file), { recursive: true });
    const all = { ...readDisk(), [key]: v };
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(all));
    renameSync(tmp, file);
  } catch {
    /* a cache: without it the next start verifies again */
  }
}

/** Load (not attach) one variant with the probe's defaults; undefined when it loads. */
function tryLoad(object: string, variant: HookVariant, probe: string): VerifierRejectedError | undefined {
  const obj = native().BpfObject.open(object);
  try {
    const sections = new Map(obj.programs().map((p) => [p.name, p.section]));
    const wanted = new Set(variant.programs);
    for (const p of sections.keys()) obj.setAutoload(p, wanted.has(p));
    try {
      obj.load();
    } catch (err) {
      const refusal = verifierRefusal(err, probe, variant.name, sections);
      if (refusal) return refusal;
      throw err;
    }
    return undefined;
  } finally {
    obj.close();
  }
}

/**
 * Which of the fitting variants (in order) this kernel's verifier accepts. Errors other than a
 * verifier refusal (a missing file, libbpf refusing the ELF) are thrown to the caller.
 */
export function verifyVariants(probe: string, object: string, fits: HookVariant[]): Verification {
  if (permissionProblem()) return { status: 'not-verified', variant: fits[0]?.name };
  const key = cacheKey(object, fits);
  const hit = memo.get(key) ?? readDisk()[key];
  if (hit) {
    memo.set(key, hit);
    return hit;
  }
  const refused: NonNullable<Verification['refused']> = [];
  let result: Verification | undefined;
  for (const v of fits) {
    const r = tryLoad(object, v, probe);
    if (!r) {
      result = { status: 'loaded', variant: v.name, ...(refused.length ? { refused } : {}) };
      break;
    }
    refused.push({ variant: v.name, program: r.verifier.program, hook: r.verifier.hook, last: r.message, log: r.verifier.log });
  }
  result ??= { status: 'refused', reason: refused.at(-1)?.last ?? 'no variant to verify', refused };
  memo.set(key, result);
  writeDisk(key, result);
  return result;
}
