/**
 * Run one job to its end, in-process (the control plane's job service over core-loader's
 * InlineRunner: needs root) or through the API (the typed client), with progress on stderr and
 * Ctrl-C stopping the job early: the partial result still comes back. A second Ctrl-C exits at once.
 * In-process, the request is checked as the API checks it, and a refusal is the API's problem: its
 * message and [type].
 */
import { ProblemError, stopJob, sondeClient, unwrap, waitForJob, type Job, type SondeClient } from '@sonde/client';
import { textWithCounters, type ResultEnvelope } from '@sonde/probe-sdk';
import type { JobRequest as JobRequestBody } from '@sonde/control-api/job-service';
import { CliError } from './args.js';
import { Progress } from './progress.js';

export interface JobRequest {
  probe: string;
  params: Record<string, unknown>;
  durationMs: number;
  /** server base URL; in-process when absent */
  server?: string | undefined;
  quiet?: boolean;
  /** each streamed batch (in-process: from the probe; with a server: not streamed) */
  onEvents?: (batch: unknown[]) => void;
  onAttached?: (variant: string | null) => void;
}

export interface JobOutcome {
  result: ResultEnvelope;
  /** the job's final status */
  status: string;
  /** the upstream text layout */
  text(): Promise<string>;
  /** GET /v1/jobs/{id} on the server, when there is one */
  permalink?: string;
  /** with a server: the job as stored */
  job?: Job;
  /** the catalogue used in-process (to render other formats locally) */
  render?: (format: string) => Promise<string>;
}

export function client(server: string): SondeClient {
  return sondeClient(server, { token: process.env.SONDE_TOKEN || undefined });
}

/** Translate a transport failure or a problem into one line. */
export function describeError(err: unknown, server?: string): string {
  if (err instanceof ProblemError) return err.message;
  const e = err as { cause?: { code?: string }; code?: string; message?: string };
  const code = e?.cause?.code ?? e?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') {
    return `cannot reach the sonde server at ${server ?? '?'} (${code}); is \`sonde serve\` running?`;
  }
  return e?.message ?? String(err);
}

/** SIGINT handling for the duration of one job: first stops, second exits. */
function onInterrupt(stop: () => void): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) stop();
    else {
      process.stderr.write('\nsonde: interrupted again, exiting without the result\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

/** how long an in-process run in a cluster waits for its node's pod list before running without pod names */
const POD_LIST_WAIT_MS = 5000;

export async function runJob(req: JobRequest): Promise<JobOutcome> {
  return req.server ? runRemote(req, req.server) : runLocal(req);
}

async function runLocal(req: JobRequest): Promise<JobOutcome> {
  const { Catalog, InlineRunner, ownerResolution, permissionProblem } = await import('@sonde/core-loader');
  const { JobService, MemoryJobs, parseJobRequest } = await import('@sonde/control-api/job-service');
  const problem = permissionProblem();
  if (problem) throw new CliError(`running probes in-process ${problem}: run as root, or use --server URL`);
  const catalog = await Catalog.discover();
  const limits = { maxDurationMs: maxDurationMs() };
  const store = new MemoryJobs();
  let service: InstanceType<typeof JobService> | undefined;
  // owners as the agent names them: this host's cgroup tree, and this node's pods in a cluster
  const owners = ownerResolution(process.env, (line) => req.quiet || process.stderr.write(`${line}\n`));
  const progress = new Progress({ probe: req.probe, durationMs: req.durationMs, quiet: !!req.quiet });
  const runner = new InlineRunner({
    catalog,
    owners: owners.owners,
    hooks: {
      attached: (id, { variant, at }) => {
        store.markAttached(id, at, variant);
        progress.attached(variant);
        req.onAttached?.(variant);
      },
      events: (_id, batch) => req.onEvents?.(batch.events()),
      done: (id, status, result) => {
        store.finish(id, status, result);
        service?.ended(id);
      },
    },
  });
  service = new JobService({ catalog, runner, store, limits });
  let request: JobRequestBody;
  try {
    // the body POST /v1/jobs would get, checked as the API checks it, before anything is loaded or waited for
    request = asProblem(() => parseJobRequest({ probe: req.probe, durationMs: req.durationMs, params: req.params }));
    asProblem(() => service!.validate(request));
  } catch (err) {
    await owners.stop();
    throw err;
  }
  let id: string | undefined;
  let interrupted = false;
  const stop = () => {
    try {
      if (id) service!.stop(id);
    } catch {
      /* it ended meanwhile */
    }
  };
  const release = onInterrupt(() => {
    progress.stopping();
    interrupted = true;
    stop();
  });
  const ticker = setInterval(() => progress.tick(), 250);
  let job: Job;
  try {
    if (owners.pods) await owners.pods.ready(POD_LIST_WAIT_MS).catch((err: Error) => req.quiet || process.stderr.write(`sonde: no pod names: ${err.message}\n`));
    id = asProblem(() => service!.create(request)).id;
    progress.start();
    if (interrupted) stop();
    job = (await service.wait(id)) as unknown as Job;
  } finally {
    clearInterval(ticker);
    release();
    await runner.close();
    await owners.stop();
  }
  progress.done(job.status);
  const result = job.result as ResultEnvelope;
  const render = async (format: string): Promise<string> => {
    if (format === 'text') return textWithCounters(result, catalog.render(result.probe, result.data, result.params));
    const { renderJobFormat } = await import('@sonde/control-api');
    return renderJobFormat(job as unknown as Parameters<typeof renderJobFormat>[0], format as 'markdown', { render: (d, p) => catalog.render(result.probe, d, p) });
  };
  return { result, status: job.status, text: () => render('text'), render };
}

/** the API's refusal, said as a server's problem is said: its message and [type] */
function asProblem<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const type = (err as { type?: unknown }).type;
    if (err instanceof Error && typeof type === 'string') throw new CliError(`${err.message} [${type}]`);
    throw err;
  }
}

/** the control plane's duration limit (SONDE_MAX_DURATION_MS), which in-process runs keep too */
function maxDurationMs(): number | undefined {
  const v = process.env.SONDE_MAX_DURATION_MS;
  if (!v) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 100) throw new CliError(`SONDE_MAX_DURATION_MS='${v}': a whole number of milliseconds, at least 100`);
  return n;
}

async function runRemote(req: JobRequest, server: string): Promise<JobOutcome> {
  const api = client(server);
  const created = unwrap(
    await api.POST('/v1/jobs', { body: { probe: req.probe, durationMs: req.durationMs, params: req.params } }),
  ) as Job;
  const progress = new Progress({ probe: req.probe, durationMs: req.durationMs, quiet: !!req.quiet });
  let stopping: Promise<unknown> | undefined;
  const release = onInterrupt(() => {
    progress.stopping();
    stopping = stopJob(api, created.id).catch(() => undefined);
  });
  progress.start(created.id);
  const streaming = req.onEvents ? streamEvents(server, created.id, req.onEvents) : undefined;
  let job: Job;
  try {
    job = await waitForJob(api, created.id, {
      intervalMs: 200,
      onPoll: (j) => {
        if (j.attachedAt) {
          progress.attached(j.variant, Date.parse(j.attachedAt));
          req.onAttached?.(j.variant);
        }
        progress.tick();
      },
    });
    await stopping;
    await streaming?.finished();
  } finally {
    streaming?.abort();
    release();
  }
  progress.done(job.status);
  if (!job.result) throw new CliError(`job ${job.id} ended ${job.status} without a result`);
  const permalink = `${server}/v1/jobs/${job.id}`;
  const render = async (format: string): Promise<string> => {
    const r = await api.GET('/v1/jobs/{id}', {
      params: { path: { id: job.id }, query: { format: format as 'text' } },
      parseAs: 'text',
    });
    if (!r.response.ok) unwrap({ error: JSON.parse(String(r.error ?? '{}')) as unknown, response: r.response });
    return r.data as unknown as string;
  };
  return { result: job.result as ResultEnvelope, status: job.status, job, permalink, text: () => render('text'), render };
}


/**
 * Follow GET /v1/jobs/{id}/events as NDJSON, handing each event to `onEvents`. The stream ends by
 * itself when the job does; `finished()` waits for that, at most a few seconds after the job ended.
 */
function streamEvents(server: string, id: string, onEvents: (batch: unknown[]) => void): { finished(): Promise<void>; abort(): void } {
  const ac = new AbortController();
  const headers: Record<string, string> = { accept: 'application/x-ndjson' };
  if (process.env.SONDE_TOKEN) headers.authorization = `Bearer ${process.env.SONDE_TOKEN}`;
  const run = async (): Promise<void> => {
    const res = await fetch(`${server}/v1/jobs/${id}/events`, { headers, signal: ac.signal });
    if (!res.ok || !res.body) return;
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let nl: number;
      const batch: unknown[] = [];
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const item = JSON.parse(line) as { type?: string; event?: unknown };
        if (item.type === 'event') batch.push(item.event);
        if (item.type === 'end') {
          if (batch.length) onEvents(batch);
          return;
        }
      }
      if (batch.length) onEvents(batch);
    }
  };
  const running = run().catch(() => undefined);
  return {
    // called once the job has ended: a stream that does not end with it must not hold the result back
    finished: () => Promise.race([running, new Promise<void>((r) => setTimeout(r, 3000).unref())]).then(() => undefined),
    abort: () => ac.abort(),
  };
}
