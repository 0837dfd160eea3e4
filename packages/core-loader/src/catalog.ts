/**
 * Probe discovery: every `packages/probes-*` directory with a `sonde` manifest in its package.json.
 * A broken or kernel-incompatible probe becomes a catalogue entry with the reason; it never throws.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import semver from 'semver';
import { z } from 'zod';
import {
  BadParamsError,
  declarationProblems,
  isProbe,
  outputShape,
  ProbeUnavailableError,
  SDK_VERSION,
  UnknownProbeError,
  VerifierRejectedError,
  type CounterDeclaration,
  type ParamIssue,
  type ProbeDefinition,
} from '@sonde/probe-sdk';
import type { CatalogApi, ProbeInfo } from './api.js';
import { fittingVariants } from './features.js';
import { native } from './native.js';
import { verifyVariants } from './verify.js';
import { importProbe, NotAProbeError } from './execute.js';

const Manifest = z.object({
  name: z.string().min(1),
  version: z.string().refine((v) => semver.valid(v) !== null, 'not a semver version'),
  sonde: z.object({
    probe: z.string().min(1),
    sdk: z.string().refine((r) => semver.validRange(r) !== null, 'not a semver range'),
  }),
});

export interface CatalogEntry extends ProbeInfo {
  /** absolute path of the module whose default export is the probe (what workers import) */
  modulePath?: string;
  definition?: ProbeDefinition;
  /** verified 'refused': what the verifier said of the last variant tried (a job request gets it) */
  refusal?: VerifierRejectedError;
}

export interface DiscoverOptions {
  /** workspace root holding packages/probes-*; default: this repository, or $SONDE_PROBES_DIR */
  root?: string;
  /** directories to scan for probes-* packages (overrides root) */
  dirs?: string[];
}

/** packages/core-loader/dist → the workspace root */
export function workspaceRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
}

export class Catalog implements CatalogApi {
  private constructor(private readonly entries: Map<string, CatalogEntry>) {}

  static async discover(opts: DiscoverOptions = {}): Promise<Catalog> {
    const dirs = opts.dirs ?? [
      process.env.SONDE_PROBES_DIR ?? join(opts.root ?? workspaceRoot(), 'packages'),
    ];
    const entries = new Map<string, CatalogEntry>();
    for (const dir of dirs) {
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir).sort()) {
        if (!name.startsWith('probes-')) continue;
        const entry = await inspect(join(dir, name));
        if (!entries.has(entry.name)) entries.set(entry.name, entry);
      }
    }
    return new Catalog(entries);
  }

  list(): ProbeInfo[] {
    return [...this.entries.values()].map(publicInfo);
  }

  get(name: string): ProbeInfo | undefined {
    const e = this.entries.get(name);
    return e && publicInfo(e);
  }

  /** the full entry, with the module path and definition (loader-internal) */
  entry(name: string): CatalogEntry {
    const e = this.entries.get(name);
    if (!e) throw new UnknownProbeError(name);
    return e;
  }

  validateParams(name: string, params: unknown): unknown {
    const e = this.entry(name);
    if (e.refusal) throw e.refusal;
    if (!e.available || !e.definition) throw new ProbeUnavailableError(name, e.reason ?? 'unavailable');
    const refused = unsupportedFilterIssues(e.definition, params);
    if (refused.length > 0) throw new BadParamsError(`${refused[0]!.field}: ${refused[0]!.message}`, refused);
    const parsed = e.definition.params.safeParse(params ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        field: ['params', ...i.path.map(String)].join('.'),
        message: i.message,
      }));
      const first = issues[0];
      throw new BadParamsError(first ? `${first.field}: ${first.message}` : 'invalid params', issues);
    }
    const cannot = e.variant ? e.definition.refuseOnVariant?.(parsed.data, e.variant) : undefined;
    if (cannot) throw new ProbeUnavailableError(name, cannot);
    return parsed.data;
  }

  render(name: string, data: unknown, params: unknown): string {
    const e = this.entry(name);
    if (!e.definition) throw new ProbeUnavailableError(name, e.reason ?? 'unavailable');
    return e.definition.render(data, params);
  }
}

/** a common filter the probe cannot honour is refused by name, with the probe's reason */
function unsupportedFilterIssues(def: ProbeDefinition, params: unknown): ParamIssue[] {
  if (!def.unsupportedFilters || params === null || typeof params !== 'object') return [];
  return Object.entries(def.unsupportedFilters)
    .filter(([k]) => (params as Record<string, unknown>)[k] !== undefined)
    .map(([k, why]) => ({ field: `params.${k}`, message: `${def.name} cannot filter by ${k}: ${why}` }));
}

/** a probe's counter declaration as the catalogue shows it: names and reasons, not the functions */
function counterPairsInfo(decl: CounterDeclaration): NonNullable<ProbeInfo['counters']> {
  const pairs = decl.pairs.map((p) => ({
    counter: typeof p.counter === 'string' ? p.counter : p.counter.join('+'),
    figure: p.figure,
    why: p.why,
    ...(p.gauge ? { gauge: true as const } : {}),
  }));
  return { pairs, ...(decl.none ? { none: decl.none } : {}) };
}

function publicInfo(e: CatalogEntry): ProbeInfo {
  const { modulePath: _m, definition: _d, refusal: _r, ...info } = e;
  return info;
}

async function inspect(dir: string): Promise<CatalogEntry> {
  const dirName = dir.split('/').pop() ?? dir;
  const fallbackName = dirName.replace(/^probes-/, '');
  const broken = (reason: string, extra: Partial<CatalogEntry> = {}): CatalogEntry => ({
    name: fallbackName,
    version: '0.0.0',
    summary: '',
    output: null,
    paramsSchema: {},
    available: false,
    reason,
    packageName: dirName,
    ...extra,
  });

  let manifest: z.infer<typeof Manifest>;
  try {
    const raw: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const parsed = Manifest.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      return broken(`invalid manifest: ${i ? `${i.path.join('.') || 'package.json'}: ${i.message}` : 'unknown'}`);
    }
    manifest = parsed.data;
  } catch (err) {
    return broken(`unreadable package.json: ${(err as Error).message}`);
  }
  const base = { version: manifest.version, packageName: manifest.name };
  if (!semver.satisfies(SDK_VERSION, manifest.sonde.sdk)) {
    return broken(`needs probe SDK ${manifest.sonde.sdk}, this loader has ${SDK_VERSION}`, base);
  }
  const modulePath = resolve(dir, manifest.sonde.probe);
  if (!existsSync(modulePath)) return broken(`${manifest.sonde.probe} missing (package not built?)`, base);
  let def: ProbeDefinition;
  try {
    def = await importProbe(modulePath);
  } catch (err) {
    if (err instanceof NotAProbeError) return broken(err.message, base);
    return broken(`cannot import ${manifest.sonde.probe}: ${(err as Error).message.split('\n')[0]}`, base);
  }
  if (def.name !== fallbackName) return broken(`probe is named '${def.name}' but lives in ${dirName}`, base);
  const shape = outputShape(def);
  const declared = shape ? declarationProblems(shape) : [];
  if (declared.length > 0) return broken(`shape declaration: ${declared.join('; ')}`, base);
  let paramsSchema: Record<string, unknown>;
  try {
    paramsSchema = z.toJSONSchema(def.params, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch (err) {
    return broken(`params schema not representable: ${(err as Error).message}`, base);
  }
  const entry: CatalogEntry = {
    name: def.name,
    version: def.version,
    summary: def.summary,
    output: def.output,
    ...(shape ? { shape } : {}),
    paramsSchema,
    ...(def.counters ? { counters: counterPairsInfo(def.counters) } : {}),
    available: false,
    packageName: manifest.name,
    modulePath,
    definition: def,
  };
  if (!existsSync(def.bpf.object)) return { ...entry, reason: `BPF object ${def.bpf.object} missing (package not built?)` };
  const { fits, reason } = fittingVariants(def.bpf.variants);
  if (fits.length === 0) return { ...entry, reason: reason ?? 'no hook variant fits this kernel' };
  const bad = objectProblem(def.bpf.object, fits[0]!.programs);
  if (bad) return { ...entry, reason: bad };
  let v;
  try {
    v = verifyVariants(def.name, def.bpf.object, fits);
  } catch (err) {
    return { ...entry, reason: `BPF object ${def.bpf.object} does not load here: ${(err as Error).message.split('\n')[0]}` };
  }
  const chosen = fits.find((f) => f.name === v.variant);
  const cannotSee = chosen?.cannotSee?.length ? { cannotSee: chosen.cannotSee } : {};
  if (v.status === 'refused') {
    const last = v.refused?.at(-1);
    const refusal = new VerifierRejectedError(v.reason ?? 'refused by the verifier', { variant: last?.variant, program: last?.program, hook: last?.hook, log: last?.log ?? [] });
    return { ...entry, reason: v.reason, verified: 'refused', refusal };
  }
  const refusedVariants = v.refused?.length ? { refusedVariants: v.refused.map((r) => ({ variant: r.variant, program: r.program, hook: r.hook, reason: r.last })) } : {};
  return { ...entry, available: true, variant: v.variant, verified: v.status, ...cannotSee, ...refusedVariants };
}

/**
 * A corrupt or mismatched BPF object is a catalogue reason, not a failure at the first job: libbpf
 * parses the ELF (nothing is loaded into the kernel) and the variant's programs must be in it.
 */
function objectProblem(path: string, programs: readonly string[]): string | undefined {
  let obj: ReturnType<ReturnType<typeof native>['BpfObject']['open']> | undefined;
  try {
    obj = native().BpfObject.open(path);
    const have = new Set(obj.programs().map((p) => p.name));
    const missing = programs.filter((p) => !have.has(p));
    if (missing.length) return `BPF object ${path} lacks program(s) ${missing.join(', ')}`;
    return undefined;
  } catch (err) {
    return `BPF object ${path} is not a valid BPF ELF object: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    obj?.close();
  }
}
