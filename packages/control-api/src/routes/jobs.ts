import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, Env } from 'hono';
import { BadParamsError, NotFoundError, SondeError, TooManyJobsError } from '@sonde/probe-sdk';
import { ANONYMOUS } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { newJobId } from '../ids.js';
import { resolveDestination } from '../otlp/config.js';
import {
  CreateJobSchema,
  DEFAULT_MAX_DURATION_MS,
  JobGetQuerySchema,
  JobIdParamSchema,
  JobListQuerySchema,
  JobListSchema,
  JobSchema,
  guarded,
  problems,
} from '../schemas.js';
import { isFinished, type Job, type JobStore } from '../store.js';
import { requestChecks } from '../validation.js';
import { limitBody, MAX_BODY_BYTES } from '../body-limit.js';
import { chatFormat } from './formats.js';

const json = <S>(schema: S) => ({ 'application/json': { schema } });

const createJob = guarded(createRoute({
  method: 'post',
  path: '/v1/jobs',
  operationId: 'createJob',
  tags: ['jobs'],
  summary: 'Start a bounded job: one probe, for durationMs, with params',
  middleware: [limitBody({ maxBytes: MAX_BODY_BYTES })] as const,
  request: { body: { required: true, content: json(CreateJobSchema) } },
  responses: {
    202: {
      description: 'accepted; poll the job at Location',
      headers: z.object({ Location: z.string().openapi({ example: '/v1/jobs/j_01JDQ7ZK3M6W8X9Y0A1B2C3D4E' }) }),
      content: json(JobSchema),
    },
    ...problems(
      [400, 'bad-params: invalid body or params (each field named in `errors`)'],
      [404, 'unknown-probe'],
      [413, 'payload-too-large'],
      [415, 'unsupported-media-type: the body must be application/json'],
      [422, "probe-unavailable-on-this-kernel: the probe's hooks do not exist here; probe-rejected-by-verifier: this kernel's verifier refuses its programs"],
      [429, 'too-many-jobs: at the global or per-probe limit (see Retry-After)'],
    ),
  },
}));

const listJobs = guarded(createRoute({
  method: 'get',
  path: '/v1/jobs',
  operationId: 'listJobs',
  tags: ['jobs'],
  summary: 'Jobs, newest first, filtered by status and probe; page with nextCursor',
  request: { query: JobListQuerySchema },
  responses: {
    200: { description: 'a page of jobs', content: json(JobListSchema) },
    ...problems([400, 'bad-params: invalid query']),
  },
}));

/** The stored job as JSON text: the hot read. */
function jobJson(store: JobStore, id: string): Response {
  const text = store.getJson(id);
  if (text === undefined) throw new NotFoundError(`job '${id}'`);
  return new Response(text, { status: 200, headers: { 'Content-Type': 'application/json' } });
}

const getJob = guarded(createRoute({
  method: 'get',
  path: '/v1/jobs/{id}',
  operationId: 'getJob',
  tags: ['jobs'],
  summary: 'A job with its status and, once ended, its result envelope',
  request: { params: JobIdParamSchema, query: JobGetQuerySchema },
  responses: {
    200: {
      description: 'the job (format=json or slack), the upstream text layout (format=text) or Markdown (format=markdown)',
      content: { ...json(JobSchema), 'text/plain': { schema: z.string() }, 'text/markdown': { schema: z.string() } },
    },
    ...problems([400, 'bad-params: invalid query (an unknown format)'], [404, 'not-found'], [409, 'conflict: format=text on a job without a result']),
  },
}));

/** the context of GET /v1/jobs/{id} once `requestChecks(getJob)` passed */
type CheckedGetJob = Context<Env, '/v1/jobs/:id', { out: { param: z.output<typeof JobIdParamSchema>; query: z.output<typeof JobGetQuerySchema> } }>;

const stopJob = guarded(createRoute({
  method: 'delete',
  path: '/v1/jobs/{id}',
  operationId: 'stopJob',
  tags: ['jobs'],
  summary: "Stop a job early; it ends 'stopped' with its partial result",
  request: { params: JobIdParamSchema },
  responses: {
    202: { description: 'stop requested; the job turns stopped when its partial result is in', content: json(JobSchema) },
    ...problems([404, 'not-found'], [409, 'conflict: the job already ended']),
  },
}));

function mustGet(store: JobStore, id: string): Job {
  const job = store.get(id);
  if (!job) throw new NotFoundError(`job '${id}'`);
  return job;
}

/** Seconds until the soonest running job (of `probe`, when given) reaches its deadline: a fair Retry-After. */
function retryAfterS(deps: AppDeps, now = Date.now(), probe?: string): number {
  let soonest = Infinity;
  for (const id of deps.runner.running()) {
    const job = deps.store.get(id);
    if (!job || (probe !== undefined && job.probe !== probe)) continue;
    const start = Date.parse(job.attachedAt ?? job.createdAt);
    soonest = Math.min(soonest, start + job.durationMs - now);
  }
  return Number.isFinite(soonest) ? Math.min(600, Math.max(1, Math.ceil(soonest / 1000))) : 5;
}

export function jobsRoutes(deps: AppDeps): OpenAPIHono {
  const { catalog, runner, store } = deps;
  const maxDurationMs = deps.limits?.maxDurationMs ?? DEFAULT_MAX_DURATION_MS;
  const perProbe = deps.limits?.maxJobsPerProbe;
  const app = new OpenAPIHono();

  app.openapi(createJob, (c) => {
    const body = c.req.valid('json');
    if (body.durationMs > maxDurationMs) {
      const message = `at most ${maxDurationMs} ms on this server (SONDE_MAX_DURATION_MS)`;
      throw new BadParamsError(`durationMs: ${message}`, [{ field: 'durationMs', message }]);
    }
    // a destination from the server's allow-list, never a URL from the request; 400 naming the known ones
    const exportTo = body.export ? resolveDestination(deps.otlp?.config, body.export.otlp) : undefined;
    // throws UnknownProbeError (404), ProbeUnavailableError (422), BadParamsError naming params.<field> (400)
    const params = catalog.validateParams(body.probe, body.params);
    const info = catalog.get(body.probe);
    const running = runner.running();
    if (running.length >= runner.maxRunning) {
      throw new TooManyJobsError(runner.maxRunning, retryAfterS(deps));
    }
    if (perProbe) {
      const limit = perProbe.byProbe[body.probe] ?? perProbe.default;
      const same = running.filter((id) => store.get(id)?.probe === body.probe).length;
      if (same >= limit) {
        throw new SondeError('too-many-jobs', `already running the maximum of ${limit} '${body.probe}' jobs`, {
          limit,
          probe: body.probe,
          retryAfter: retryAfterS(deps, Date.now(), body.probe),
        });
      }
    }
    const id = newJobId();
    store.insert({
      id,
      probe: body.probe,
      probeVersion: info?.version ?? 'unknown',
      kind: info?.output ?? null,
      params,
      durationMs: body.durationMs,
      createdAt: Date.now(),
    });
    const budget = body.budget ? { ...body.budget } : undefined;
    if (exportTo) deps.otlp?.expect(id, exportTo);
    try {
      runner.start({ id, probe: body.probe, params, durationMs: body.durationMs, ...(budget ? { budget } : {}) });
    } catch (err) {
      // never started: leave no row behind (a 429 race with another request, or a runner fault)
      store.remove(id);
      deps.otlp?.forget(id);
      throw err;
    }
    const who = c.get('principal') ?? ANONYMOUS;
    deps.audit?.write({
      action: 'job.start',
      who: who.name,
      role: who.role,
      job: id,
      probe: body.probe,
      params,
      durationMs: body.durationMs,
      ...(budget ? { budget } : {}),
      ...(exportTo ? { export: { otlp: exportTo.name } } : {}),
    });
    c.header('Location', `/v1/jobs/${id}`);
    return c.json(mustGet(store, id), 202);
  });

  app.openapi(listJobs, (c) => {
    const q = c.req.valid('query');
    return c.json(store.list(q), 200);
  });

  // GET /v1/jobs/{id} is the hot read: documented as `getJob` but served by one plain handler, which
  // Hono calls directly (no middleware chain, no promise). Without a query string the request is
  // format=json with a non-empty id whatever zod would say, answered at once with the stored text
  // (finished jobs cached); with one, the route's own schemas and hook check it first.
  app.openAPIRegistry.registerPath(getJob);
  const checkGetJob = requestChecks(getJob);
  const readJob = async (c: Context): Promise<Response> => {
    const stop = await checkGetJob(c);
    if (stop) return stop;
    const valid = (c as unknown as CheckedGetJob).req;
    const { id } = valid.valid('param');
    const { format } = valid.valid('query');
    if (format === 'json') return jobJson(store, id);
    const job = mustGet(store, id);
    if (format === 'text') {
      if (!job.result || job.result.data === null || job.result.data === undefined) {
        throw new SondeError('conflict', `job '${id}' has no result to render (status ${job.status})`, { status: job.status });
      }
      return c.text(catalog.render(job.probe, job.result.data, job.params), 200);
    }
    return chatFormat(c, job, format, catalog);
  };
  app.get('/v1/jobs/:id', (c) => (c.req.url.includes('?') ? readJob(c) : jobJson(store, c.req.param('id'))));

  app.openapi(stopJob, (c) => {
    const { id } = c.req.valid('param');
    const job = mustGet(store, id);
    if (isFinished(job.status)) {
      throw new SondeError('conflict', `job '${id}' already ended (${job.status})`, { status: job.status });
    }
    runner.stop(id);
    const who = c.get('principal') ?? ANONYMOUS;
    deps.audit?.write({ action: 'job.stop', who: who.name, role: who.role, job: id, probe: job.probe, params: job.params });
    // the runner may have delivered `done` already (or the job ended just now): show what is stored
    return c.json(mustGet(store, id), 202);
  });

  return app;
}
