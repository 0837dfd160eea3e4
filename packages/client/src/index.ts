/**
 * The typed client of the sonde control plane: openapi-fetch over the types generated from the
 * routes (openapi/schema.d.ts, `npm run openapi`), plus the few helpers every caller writes
 * anyway: problem documents as errors, waiting for a job to end, stopping it.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from '../../../openapi/schema.js';

export type { components, paths } from '../../../openapi/schema.js';
export type Schemas = components['schemas'];
export type Job = Schemas['Job'];
export type JobStatus = Schemas['JobStatus'];
export type ProbeInfo = Schemas['ProbeInfo'];
export type ResultEnvelope = Schemas['ResultEnvelope'];
export type Problem = Schemas['Problem'];
export type SondeClient = Client<paths>;

export const DEFAULT_SERVER = 'http://127.0.0.1:7070';
export const FINISHED: readonly JobStatus[] = ['succeeded', 'stopped', 'failed', 'interrupted'];

export interface SondeClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** sent as `Authorization: Bearer <token>` when set */
  token?: string | undefined;
}

/** A client for the server at `baseUrl` (e.g. http://127.0.0.1:7070). */
export function sondeClient(baseUrl: string = DEFAULT_SERVER, opts: SondeClientOptions = {}): SondeClient {
  const { token, headers, ...rest } = opts;
  return createClient<paths>({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(headers as Record<string, string> | undefined) },
    ...rest,
  });
}

/** An RFC 9457 problem answered by the server, as an Error. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> & Record<string, unknown>,
  ) {
    super(problemMessage(status, problem));
    this.name = 'ProblemError';
  }
  /** the problem type's last segment, e.g. 'not-found' */
  get type(): string {
    return String(this.problem.type ?? 'about:blank').split('/').pop() ?? 'about:blank';
  }
}

function problemMessage(status: number, p: Partial<Problem> & Record<string, unknown>): string {
  const detail = p.detail ?? p.title ?? `HTTP ${status}`;
  return p.hint ? `${detail} (${p.hint})` : String(detail);
}

/**
 * The `data` of an openapi-fetch answer, or a ProblemError for its `error` (any non-2xx).
 * `unwrap(await client.GET('/v1/jobs/{id}', ...))`.
 */
export function unwrap<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.error !== undefined || !r.response.ok) {
    const body = (r.error && typeof r.error === 'object' ? r.error : { detail: String(r.error ?? '') }) as Record<string, unknown>;
    throw new ProblemError(r.response.status, body);
  }
  return r.data as T;
}

export async function getJob(client: SondeClient, id: string): Promise<Job> {
  return unwrap(await client.GET('/v1/jobs/{id}', { params: { path: { id } } })) as Job;
}

export interface WaitOptions {
  /** poll period, ms (default 250) */
  intervalMs?: number;
  /** give up after this long, ms (default: the job's duration + 60 s) */
  timeoutMs?: number;
  /** called with every polled state */
  onPoll?: (job: Job) => void;
  signal?: AbortSignal;
}

/** Poll a job until it has ended (any status in FINISHED); returns the final job. */
export async function waitForJob(client: SondeClient, id: string, opts: WaitOptions = {}): Promise<Job> {
  const interval = opts.intervalMs ?? 250;
  let until: number | undefined = opts.timeoutMs === undefined ? undefined : Date.now() + opts.timeoutMs;
  for (;;) {
    const job = await getJob(client, id);
    opts.onPoll?.(job);
    if (FINISHED.includes(job.status)) return job;
    until ??= Date.parse(job.createdAt) + job.durationMs + 60_000;
    if (Date.now() > until) throw new Error(`job ${id} did not end in time (still ${job.status})`);
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Ask the server to stop a job; a job that already ended (409) is not an error. */
export async function stopJob(client: SondeClient, id: string): Promise<Job> {
  const r = await client.DELETE('/v1/jobs/{id}', { params: { path: { id } } });
  if (r.response.status === 409) return getJob(client, id);
  return unwrap(r) as Job;
}
