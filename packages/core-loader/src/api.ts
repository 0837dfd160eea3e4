/**
 * The surface control-api (and later the CLI) uses. Everything here is implemented in this package.
 */
import type { OutputKind, OutputShape, ResultEnvelope } from '@sonde/probe-sdk';
import type { EventBatch } from './event-batch.js';

/** One catalogue entry: a probe that loaded, or one that could not and why. */
export interface ProbeInfo {
  name: string;
  version: string;
  summary: string;
  output: OutputKind | null;
  /** the output's declaration (defineProbe's `output`): what each field of a result's `data` is; absent when the probe declares none */
  shape?: OutputShape;
  /** JSON schema of the probe's params (zod → JSON schema) */
  paramsSchema: Record<string, unknown>;
  /** true when the manifest is valid and a hook variant fits this kernel */
  available: boolean;
  /** why not, when available is false */
  reason?: string;
  /** the hook variant that would run here */
  variant?: string;
  /**
   * 'loaded': the variant's programs passed this kernel's verifier at discovery (loaded, not
   * attached); 'refused': the verifier refused every fitting variant (see reason); 'not-verified':
   * discovery lacked the privileges to try, so the first job is the first load.
   */
  verified?: 'loaded' | 'refused' | 'not-verified';
  /** what the variant that would run here cannot see (the probe's own words); absent when nothing */
  cannotSee?: string[];
  /**
   * Variants preferred to the one that runs, whose hooks exist here but whose programs this kernel's
   * verifier refused: the probe falls back, and says so (absent when the first fitting variant loads)
   */
  refusedVariants?: Array<{ variant: string; program?: string; hook?: string; reason: string }>;
  /** the kernel counters that answer to its figures (each result cross-checks them), or why none does */
  counters?: { pairs: Array<{ counter: string; figure: string; why: string; gauge?: true }>; none?: string };
  packageName: string;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'stopped' | 'failed' | 'interrupted';

export interface JobSpec {
  id: string;
  probe: string;
  /** already validated by `catalog.validateParams` */
  params: unknown;
  durationMs: number;
  /** kernel CPU budget for the job's BPF programs (see budget.ts) */
  budget?: JobBudget;
}

export interface JobBudget {
  /** % of one CPU over a 1 s window */
  cpuPercent?: number;
  /** total run time of the programs, ms */
  cpuMs?: number;
}

/** What the runner tells its owner as a job moves along. */
export interface JobEvents {
  /** programs attached in the kernel; `at` is epoch ms */
  attached(id: string, info: { variant: string; at: number }): void;
  /** a batch of streamed events (event probes), decoded when first read (batch.events()) */
  events(id: string, batch: EventBatch): void;
  /** the job ended, one way or another; the envelope always comes */
  done(id: string, status: JobStatus, result: ResultEnvelope): void;
}

/** The probe catalogue (implemented by `Catalog`). */
export interface CatalogApi {
  list(): ProbeInfo[];
  get(name: string): ProbeInfo | undefined;
  /**
   * Parse params with the probe's zod schema, applying defaults.
   * Throws UnknownProbeError, ProbeUnavailableError, or BadParamsError whose issues name `params.<field>`.
   */
  validateParams(name: string, params: unknown): unknown;
  /** the upstream text layout of a finished result's data */
  render(name: string, data: unknown, params: unknown): string;
}

/** The job runner (implemented by `JobRunner`). */
export interface RunnerApi {
  /** start a job; throws TooManyJobsError at the limit. Progress arrives through JobEvents. */
  start(spec: JobSpec): void;
  /** ask a running job to stop early; its partial result comes through `done`. false if not running. */
  stop(id: string): boolean;
  /** ids of jobs currently running */
  running(): string[];
  readonly maxRunning: number;
  /** stop every job (partial results delivered) and shut the pool down */
  close(): Promise<void>;
}
