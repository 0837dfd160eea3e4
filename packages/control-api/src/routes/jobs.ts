import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, Env } from 'hono';
import { NotFoundError, SondeError } from '@sonde/probe-sdk';
import { ANONYMOUS } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { JobService } from '../job-service.js';
import {
  CreateJobSchema,
  JobGetQuerySchema,
  JobIdParamSchema,
  JobListQuerySchema,
  JobListSchema,
  JobSchema,
  guarded,
  problems,
} from '../schemas.js';
import type { JobStore } from '../store.js';
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

/** `jobs`: the service POST /v1/checks shares (createApp makes one per app). */
export function jobsRoutes(deps: AppDeps, jobs = new JobService(deps)): OpenAPIHono {
  const { catalog, store } = deps;
  const app = new OpenAPIHono();

  app.openapi(createJob, (c) => {
    const job = jobs.create(c.req.valid('json'), c.get('principal') ?? ANONYMOUS);
    c.header('Location', `/v1/jobs/${job.id}`);
    return c.json(job, 202);
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
    const job = jobs.get(id);
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
    return c.json(jobs.stop(id, c.get('principal') ?? ANONYMOUS), 202);
  });

  return app;
}
