import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { z } from 'zod';
import type { CounterDeclaration } from './cross-check.js';
import type { BpfSpec, ProbeContext } from './kernel.js';
import type { CommonFilter } from './task-filters.js';
import type { OutputKind, ShapeOf } from './output.js';

/** The SDK major version probes declare in `package.json` → `sonde.sdk`. */
export const SDK_VERSION = '1.0.0';

export type { OutputKind } from './output.js';

export interface ProbeDefinition<S extends z.ZodType = z.ZodType, D = unknown> {
  name: string;
  version: string;
  summary: string;
  output: OutputKind;
  /**
   * What each field of the result's `data` is (output.ts), checked against D: fleet merge, checks, the
   * chat formats, OTLP and the web page read it. Every probe of this repository declares it (the catalogue
   * test says so); without it consumers infer from the values.
   */
  shape?: NoInfer<ShapeOf<D>>;
  /** zod schema of the job's `params`; each key maps to one `targ_*` global or a map */
  params: S;
  bpf: BpfSpec;
  /** attach, collect until `ctx.signal` aborts, read the final state and return the result's `data` */
  run(ctx: ProbeContext, params: z.output<S>): Promise<D>;
  /** the upstream text layout of a result's data */
  render(data: D, params: z.output<S>): string;
  /**
   * The decoder of one ring-buffer record into an event (never null). With it, drainEvents' `mainThread`
   * lets a worker post the raw records and the thread that keeps the events decode them with this same
   * function: posting decoded objects costs more (structured clone, both threads) than decoding.
   */
  decode?(record: Buffer): unknown;
  /**
   * Common filters (DESIGN.md) this probe cannot honour, each with the reason; asking for one is a
   * 400 that says so instead of a silently ignored filter.
   */
  unsupportedFilters?: Partial<Record<CommonFilter, string>>;
  /**
   * Params that the hook variant this kernel gets cannot honour (e.g. tail-loss probes where nothing
   * hooks tcp_send_loss_probe): the reason, and the job request is refused with 422
   * probe-unavailable-on-this-kernel before it starts; undefined when the variant can.
   */
  refuseOnVariant?(params: z.output<S>, variant: string): string | undefined;
  /**
   * The kernel counters (nstat names) that answer to this probe's figures: the loader reads the
   * watched namespace's counters at attach and at the end and puts each pair's cross-check in the
   * result's `kernel.counters`. `{ pairs: [], none: 'why' }` when no counter honestly does.
   */
  counters?: CounterDeclaration<D, z.output<S>>;
}

/** Identity with type inference; marks a module's default export as a probe. */
export function defineProbe<S extends z.ZodType, D>(def: ProbeDefinition<S, D>): ProbeDefinition<S, D> {
  return Object.freeze({ ...def, [PROBE_MARK]: true }) as ProbeDefinition<S, D>;
}

export const PROBE_MARK = Symbol.for('sonde.probe');

export function isProbe(x: unknown): x is ProbeDefinition {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[PROBE_MARK] === true;
}

/**
 * A probe module's own package directory, from its `import.meta.url` (dist/index.js → package root).
 * Probes use it to find their `.bpf.o` and their version.
 */
export function packageDir(moduleUrl: string): string {
  return dirname(dirname(fileURLToPath(moduleUrl)));
}

export function packageVersion(moduleUrl: string): string {
  const pkg = JSON.parse(readFileSync(join(packageDir(moduleUrl), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Path of a file in the probe's dist/ directory (where the build copies `<probe>.bpf.o`). */
export function distFile(moduleUrl: string, name: string): string {
  return join(dirname(fileURLToPath(moduleUrl)), name);
}
