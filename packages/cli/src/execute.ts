/**
 * Run one job to its end, in-process (core-loader's runJobInline: needs root) or through the API
 * (the typed client), with progress on stderr and Ctrl-C stopping the job early: the partial
 * result still comes back. A second Ctrl-C exits at once.
 */
import { ProblemError, stopJob, sondeClient, unwrap, waitForJob, type Job, type SondeClient } from '@sonde/client';
import { textWithCounters, type ResultEnvelope } from '@sonde/probe-sdk';
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
  const { Catalog, ownerResolution, permissionProblem, runJobInline } = await import('@sonde/core-loader');
  const problem = permissionProblem();
  if (problem) throw new CliError(`running probes in-process ${problem}: run as root, or use --server URL`);
  const catalog = await Catalog.discover();
  // refuses unknown probes and bad params before anything is loaded
  const params = catalog.validateParams(req.probe, req.params);
  const progress = new Progress({ probe: req.probe, durationMs: req.durationMs, quiet: !!req.quiet });
  const ac = new AbortController();
  const release = onInterrupt(() => {
    progress.stopping();
    ac.abort();
  });
  const ticker = setInterval(() => progress.tick(), 250);
  progress.start();
  // owners as the agent names them: this host's cgroup tree, and this node's pods in a cluster
  const owners = ownerResolution(process.env, (line) => req.quiet || process.stderr.write(`${line}\n`));
  let result: ResultEnvelope;
  try {
    if (owners.pods) await owners.pods.ready(POD_LIST_WAIT_MS).catch((err: Error) => req.quiet || process.stderr.write(`sonde: no pod names: ${err.message}\n`));
    result = await runJobInline(req.probe, params, {
      ...(owners.owners ? { owners: owners.owners } : {}),
      durationMs: req.durationMs,
      signal: ac.signal,
      catalog,
      jobId: `local-${Date.now().toString(36)}`,
      onAttached: (v) => {
        progress.attached(v);
        req.onAttached?.(v);
      },
      ...(req.onEvents ? { onEvents: (b) => req.onEvents!(b.events()) } : {}),
    });
  } finally {
    clearInterval(ticker);
    release();
    await owners.stop();
  }
  const status = result.error ? 'failed' : result.stoppedBy === 'cancel' ? 'stopped' : 'succeeded';
  progress.done(status);
  const render = async (format: string): Promise<string> => {
    if (format === 'text') return textWithCounters(result, catalog.render(result.probe, result.data, result.params));
    const { renderJobFormat } = await import('@sonde/control-api');
    const job = localJob(result, status) as unknown as Parameters<typeof renderJobFormat>[0];
    return renderJobFormat(job, format as 'markdown', { render: (d, p) => catalog.render(result.probe, d, p) });
  };
  return { result, status, text: () => render('text'), render };
}

/** a Job-shaped view of an in-process result, for the chat formats */
function localJob(result: ResultEnvelope, status: string): Job {
  return {
    id: result.jobId,
    probe: result.probe,
    probeVersion: result.probeVersion,
    params: result.params,
    durationMs: result.durationMs,
    status: status as Job['status'],
    createdAt: result.startedAt,
    attachedAt: result.startedAt,
    endedAt: result.endedAt,
    variant: result.variant,
    result: result as Job['result'],
    error: result.error ?? null,
  };
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
