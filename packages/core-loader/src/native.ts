/**
 * The typed door to @sonde/native. Loading it can fail (addon not built, libbpf missing);
 * callers get the reason as a string instead of a crash.
 */
import { createRequire } from 'node:module';
import { ProbeLoadError, VerifierRejectedError } from '@sonde/probe-sdk';
import type * as Native from '@sonde/native';

export type NativeModule = typeof Native;
export type { BpfObject, RingBuffer } from '@sonde/native';

let cached: { mod?: NativeModule; error?: string } | undefined;

export function loadNative(): { mod?: NativeModule; error?: string } {
  if (!cached) {
    try {
      cached = { mod: createRequire(import.meta.url)('@sonde/native') as NativeModule };
    } catch (err) {
      cached = { error: `native addon not loadable: ${(err as Error).message.split('\n')[0]} (run npm run build)` };
    }
  }
  return cached;
}

export function native(): NativeModule {
  const n = loadNative();
  if (!n.mod) throw new ProbeLoadError(n.error ?? 'native addon missing', 'open');
  return n.mod;
}

/** Turn a BpfError from the addon into the SDK's ProbeLoadError; pass anything else through. */
export function asProbeError(err: unknown, fallbackStage: ProbeLoadError['stage']): unknown {
  const e = err as { name?: string; message?: string; code?: string; stage?: ProbeLoadError['stage']; hint?: string };
  if (e && typeof e === 'object' && e.name === 'BpfError') {
    return new ProbeLoadError(e.message ?? 'libbpf error', e.stage ?? fallbackStage, e.code, e.hint);
  }
  return err;
}

/** How many of the verifier's last lines an error carries. */
const VERIFIER_TAIL_LINES = 12;

/**
 * A load error whose libbpf log holds a verifier log is the verifier's refusal (the kernel says
 * EACCES or EINVAL, which must not read as "get root"): name the variant, the program and its hook,
 * and keep the verifier's last lines. Anything else: undefined.
 */
export function verifierRefusal(err: unknown, probe: string, variant: string, sections: Map<string, string>): VerifierRejectedError | undefined {
  const e = err as { name?: string; message?: string; stage?: string };
  if (!e || e.name !== 'BpfError' || e.stage !== 'load' || !e.message?.includes('BEGIN PROG LOAD LOG')) return undefined;
  const lines = e.message.split('\n');
  const begin = lines.findIndex((l) => l.includes('BEGIN PROG LOAD LOG'));
  const program = /prog '([^']+)'/.exec(lines[begin] ?? '')?.[1];
  let end = lines.findIndex((l, i) => i > begin && l.includes('END PROG LOAD LOG'));
  if (end < 0) end = lines.length;
  const log = lines.slice(begin + 1, end).map((l) => l.trimEnd()).filter((l) => l && l !== '...' && !l.startsWith('libbpf:'));
  const tail = log.slice(-VERIFIER_TAIL_LINES);
  const hook = program ? sections.get(program) : undefined;
  const last = tail.filter((l) => !/^(processed|verification time|stack depth) /.test(l)).at(-1) ?? 'no reason given';
  return new VerifierRejectedError(
    `probe '${probe}' cannot load on this kernel: the verifier refused ${program ?? 'a program'}${hook ? ` (${hook})` : ''} of hook variant ${variant}: ${last}`,
    { variant, program, hook, log: tail },
  );
}
