/**
 * The typed door to @sonde/native. Loading it can fail (addon not built, libbpf missing);
 * callers get the reason as a string instead of a crash.
 */
import { createRequire } from 'node:module';
import { ProbeLoadError } from '@sonde/probe-sdk';
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
