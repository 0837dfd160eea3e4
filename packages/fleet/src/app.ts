/**
 * The coordinator's HTTP app: the agent's /v1/jobs and /v1/probes routes with the agent's own
 * schemas (from @sonde/control-api), extended with `nodes` (per-node status) and `partial`, plus
 * `selector`/`nodes` on the create body. Errors are the same RFC 9457 problem documents.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { DEFAULT_URL, limitBody, MAX_BODY_BYTES, schemas, sendProblem, toProblem, validationHook, PROBLEM_BASE } from '@sonde/control-api';
import { SondeError } from '@sonde/probe-sdk';
import { Coordinator, FleetProblem } from './coordinator.js';

const { CreateJobSchema, JobSchema, JobIdParamSchema, ProbeInfoSchema, ProblemSchema, problems, JOB_STATUSES } = schemas;
const json = <S>(schema: S) => ({ 'application/json': { schema } });

export const FleetNodeSchema = z
  .object({
    node: z.string().openapi({ example: 'worker-1' }),
    url: z.string().openapi({ example: 'http://10.0.3.17:7070' }),
    status: z.enum(JOB_STATUSES),
    error: z.string().optional().openapi({ description: 'why this node has no result: the agent\'s problem, its job error or the transport error' }),
    jobId: z.string().optional().openapi({ description: "the agent's own job: GET {url}/v1/jobs/{jobId} for the node's unmerged result" }),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .openapi('FleetNode');

export const FleetJobSchema = JobSchema.extend({
  nodes: z.array(FleetNodeSchema).openapi({ description: 'one entry per selected agent: which answered, which failed and why' }),
  partial: z.boolean().openapi({ description: 'true when the merged result lacks some selected node' }),
  placement: z
    .object({
      nodes: z.array(z.string()).openapi({ description: 'the nodes the named pods run on: the only ones the job went to' }),
      pods: z.array(z.string()).openapi({ description: 'the pods, namespace/name' }),
      why: z.string().openapi({ description: 'which filter matched which pods on which nodes' }),
    })
    .optional()
    .openapi({ description: "present when the job's params name pods (pod, podSelector, container): from the coordinator's cluster-wide pod cache" }),
}).openapi('FleetJob');

export const FleetCreateJobSchema = CreateJobSchema.extend({
  selector: z
    .string()
    .optional()
    .openapi({ description: 'label selector over the agents\' labels (kubernetes.io/hostname, topology.kubernetes.io/zone, static-list labels), e.g. `topology.kubernetes.io/zone=eu-1`', example: 'zone=a' }),
  nodes: z.array(z.string().min(1)).optional().openapi({ description: 'only these node names' }),
}).openapi('FleetCreateJob');

const FleetJobListSchema = z.object({ jobs: z.array(FleetJobSchema), nextCursor: z.string().nullable() }).openapi('FleetJobList');

const FleetProbeSchema = ProbeInfoSchema.extend({
  available: z.boolean().openapi({ description: 'available on every agent that answered' }),
  availableOn: z.int().openapi({ description: 'how many agents can run it' }),
  nodes: z.array(z.object({ node: z.string(), available: z.boolean(), version: z.unknown(), variant: z.string().optional(), reason: z.string().optional() })),
}).openapi('FleetProbeInfo');

/** What auth() below answers on a /v1/* route once the coordinator has tokens (GET is a viewer's, the rest an operator's). */
function guard(method: 'get' | 'post' | 'delete'): Array<[number, string]> {
  return [
    [401, 'unauthorized: the coordinator has tokens and the request carries no valid bearer token'],
    ...(method === 'get' ? [] : [[403, 'not-permitted: a viewer token cannot start or stop jobs'] as [number, string]]),
  ];
}

const FleetProbeListSchema = z.object({ probes: z.array(FleetProbeSchema), nodes: z.array(FleetNodeSchema.extend({ status: z.enum(['succeeded', 'failed']) })) }).openapi('FleetProbeList');

const createJob = createRoute({
  method: 'post',
  path: '/v1/jobs',
  operationId: 'createJob',
  tags: ['jobs'],
  summary: 'Start one job on every selected agent; the result merges their results',
  middleware: [limitBody({ maxBytes: MAX_BODY_BYTES })] as const,
  request: { body: { required: true, content: json(FleetCreateJobSchema) } },
  responses: {
    202: { description: 'accepted by at least one agent; `nodes` says which', content: json(FleetJobSchema) },
    ...problems(
      [400, 'bad-params: invalid body, selector, or params every agent rejected'],
      [413, 'payload-too-large: the body is over 64 KiB'],
      ...guard('post'),
      [422, 'no-agents: nothing matches the selector; or every agent answered probe-unavailable-on-this-kernel'],
      [502, 'agents-failed: no agent accepted the job (`nodes` says why)'],
      [503, 'discovery-failed: the agent list could not be read'],
    ),
  },
});

const listJobs = createRoute({
  method: 'get',
  path: '/v1/jobs',
  operationId: 'listJobs',
  tags: ['jobs'],
  summary: 'Fleet jobs, newest first',
  request: {
    query: z.object({
      status: z.enum(JOB_STATUSES).optional(),
      probe: z.string().optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: { 200: { description: 'fleet jobs', content: json(FleetJobListSchema) }, ...problems([400, 'bad-params: invalid query'], ...guard('get')) },
});

const getJob = createRoute({
  method: 'get',
  path: '/v1/jobs/{id}',
  operationId: 'getJob',
  tags: ['jobs'],
  summary: 'A fleet job: per-node status and, once every node ended, the merged result',
  request: { params: JobIdParamSchema },
  responses: { 200: { description: 'the fleet job', content: json(FleetJobSchema) }, ...problems(...guard('get'), [404, 'not-found']) },
});

const stopJob = createRoute({
  method: 'delete',
  path: '/v1/jobs/{id}',
  operationId: 'stopJob',
  tags: ['jobs'],
  summary: 'Stop the job on every node still running it',
  request: { params: JobIdParamSchema },
  responses: {
    202: { description: 'stop requested on every node', content: json(FleetJobSchema) },
    ...problems(...guard('delete'), [404, 'not-found'], [409, 'conflict: already ended']),
  },
});

const listProbes = createRoute({
  method: 'get',
  path: '/v1/probes',
  operationId: 'listProbes',
  tags: ['probes'],
  summary: "Every agent's catalogue: union (default) or intersection, with per-node availability",
  request: { query: z.object({ match: z.enum(['union', 'intersection']).default('union') }) },
  responses: { 200: { description: 'the fleet catalogue', content: json(FleetProbeListSchema) }, ...problems([400, 'bad-params: invalid query (match)'], ...guard('get'), [503, 'discovery-failed']) },
});

const health = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['health'],
  // outside /v1/*, so auth() never runs here
  security: [],
  summary: 'Liveness of the coordinator, with the agents it currently discovers',
  responses: {
    200: {
      description: 'up',
      content: json(z.object({ status: z.literal('ok'), mode: z.literal('fleet'), discovery: z.string(), agents: z.int().nullable(), error: z.string().optional() })),
    },
  },
});

function problem(c: Context, status: number, type: string, detail: string, extra: Record<string, unknown> = {}): Response {
  const titles: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 422: 'Unprocessable Content', 502: 'Bad Gateway', 503: 'Service Unavailable' };
  return new Response(JSON.stringify({ type: `${PROBLEM_BASE}${type}`, title: titles[status] ?? 'Error', status, detail, instance: new URL(c.req.url).pathname, ...extra }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });
}

export interface FleetTokens {
  /** token → role; empty: no auth (loopback only, enforced by the config) */
  tokens: Array<{ name: string; role: 'viewer' | 'operator' | 'admin'; token: string }>;
}

function auth({ tokens }: FleetTokens): MiddlewareHandler {
  return async (c, next) => {
    if (tokens.length === 0) return next();
    const h = c.req.header('authorization') ?? '';
    const t = tokens.find((x) => h === `Bearer ${x.token}`);
    if (!t) return problem(c, 401, 'unauthorized', 'a bearer token is required');
    if (c.req.method !== 'GET' && t.role === 'viewer') return problem(c, 403, 'not-permitted', `token '${t.name}' is a viewer`, { hint: 'use an operator token' });
    return next();
  };
}

export function createFleetApp(coord: Coordinator, opts: FleetTokens = { tokens: [] }): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.openAPIRegistry.register('Problem', ProblemSchema);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'required on /v1/* when the coordinator has tokens (always when it listens beyond loopback); viewer tokens may only read',
  });
  app.use('/v1/*', auth(opts));

  app.openapi(createJob, async (c) => {
    const body = c.req.valid('json');
    const job = await coord.create(body);
    c.header('Location', `/v1/jobs/${job.id}`);
    return c.json(job as never, 202);
  });
  app.openapi(listJobs, async (c) => {
    const q = c.req.valid('query');
    return c.json({ jobs: await coord.list(q), nextCursor: null } as never, 200);
  });
  app.openapi(getJob, async (c) => {
    const { id } = c.req.valid('param');
    const job = await coord.get(id);
    if (!job) return problem(c, 404, 'not-found', `job '${id}' not found`) as never;
    return c.json(job as never, 200);
  });
  app.openapi(stopJob, async (c) => {
    const { id } = c.req.valid('param');
    const job = await coord.stop(id);
    if (!job) return problem(c, 404, 'not-found', `job '${id}' not found`) as never;
    return c.json(job as never, 202);
  });
  app.openapi(listProbes, async (c) => c.json((await coord.probes(c.req.valid('query').match)) as never, 200));
  app.openapi(health, async (c) => {
    try {
      const agents = await coord.discovery.agents();
      return c.json({ status: 'ok' as const, mode: 'fleet' as const, discovery: coord.discovery.kind, agents: agents.length }, 200);
    } catch (err) {
      return c.json({ status: 'ok' as const, mode: 'fleet' as const, discovery: coord.discovery.kind, agents: null, error: (err as Error).message }, 200);
    }
  });
  app.get('/openapi.json', (c) => c.json(fleetOpenApi(app)));
  app.onError((err, c) => {
    if (err instanceof FleetProblem) return problem(c, err.status, err.type, err.message, err.extra);
    // the job service's refusals (a job request it cannot send), as the agent answers them
    if (err instanceof SondeError) return sendProblem(c, toProblem(err, new URL(c.req.url).pathname));
    if (err instanceof HTTPException && err.status === 413) return problem(c, 413, 'payload-too-large', 'the request body is larger than this API accepts');
    if (err instanceof HTTPException && err.status === 400) return problem(c, 400, 'bad-params', err.message);
    console.error('sonde fleet:', err);
    return problem(c, 500, 'internal', 'internal error');
  });
  app.notFound((c) => problem(c, 404, 'not-found', `route ${c.req.method} ${new URL(c.req.url).pathname}`));
  return app;
}

export function fleetOpenApi(app: OpenAPIHono): Record<string, unknown> {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'sonde fleet coordinator',
      version: '0.1.0',
      description: "The agent's jobs and probes API over every agent of a fleet: jobs fan out, results merge, `nodes` reports each agent.",
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    servers: [{ url: DEFAULT_URL, description: 'the default local address (SONDE_HOST, SONDE_PORT, as for the agent)' }],
    tags: [
      { name: 'jobs', description: 'fleet jobs: one job on every selected agent, results merged' },
      { name: 'probes', description: "the agents' catalogues, merged" },
      { name: 'health', description: 'liveness and discovery' },
    ],
    security: [{ bearer: [] }],
  }) as unknown as Record<string, unknown>;
}
