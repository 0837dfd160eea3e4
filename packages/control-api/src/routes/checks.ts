/**
 * CI checks over HTTP: `POST /v1/checks` starts a job through the same job service as POST /v1/jobs
 * (so params, limits and audit apply alike; the request is checked and counted once) and keeps its
 * assertions; `GET /v1/checks/{id}` evaluates them once the job has ended: JSON, JUnit XML or
 * Markdown. A check's id is its job's id.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  AssertionSyntaxError,
  baselineFrom,
  evaluateCheck,
  parseAssertion,
  parsePercent,
  toJUnit,
  toMarkdown,
  type CheckReport,
} from '@sonde/checks';
import { NotFoundError, type ParamIssue, type ResultEnvelope } from '@sonde/probe-sdk';
import { ANONYMOUS } from '../auth.js';
import { limitBody, MAX_BODY_BYTES } from '../body-limit.js';
import { checkStoreFor, type CheckSpec } from '../checks-store.js';
import type { AppDeps } from '../deps.js';
import { JobService, parseJobRequest } from '../job-service.js';
import { badParams, instanceOf, sendProblem } from '../problem.js';
import { guarded, JobIdParamSchema, JobSchema, problems } from '../schemas.js';
import { isFinished, type Job } from '../store.js';
import { permalink } from './formats.js';

const CHECK_KEYS = ['assertions', 'baseline', 'maxRegression', 'regressionMetrics'] as const;

const CreateCheckSchema = z
  .object({
    probe: z.string().min(1).openapi({ example: 'tcprtt' }),
    assertions: z
      .array(z.string().min(1).max(500))
      .min(1)
      .max(50)
      .openapi({ example: ['p99 < 5ms', 'count > 0'], description: 'each `metric op value`: see the README for the grammar' }),
    baseline: z.unknown().optional().openapi({ description: 'a result envelope (or a job with one) to compare against' }),
    maxRegression: z.union([z.string(), z.number()]).optional().openapi({ example: '20%', description: 'allowed increase over the baseline' }),
    regressionMetrics: z.array(z.string().min(1)).max(20).optional().openapi({ example: ['p99'], description: "metrics compared with the baseline (default ['p99'])" }),
  })
  .catchall(z.unknown())
  .openapi('CreateCheck', { description: 'a job request (as for POST /v1/jobs: probe, durationMs, params, …) plus what it must satisfy' });

const AssertionResultSchema = z
  .object({
    name: z.string(),
    outcome: z.enum(['pass', 'fail', 'error']),
    actual: z.string().nullable(),
    expected: z.string().nullable(),
    message: z.string(),
  })
  .openapi('AssertionResult');

const CheckReportSchema = z
  .object({
    status: z.enum(['passed', 'failed', 'error']),
    probe: z.string(),
    jobId: z.string(),
    durationMs: z.number(),
    error: z.string().optional(),
    results: z.array(AssertionResultSchema),
    passed: z.int(),
    failed: z.int(),
    errors: z.int(),
  })
  .openapi('CheckReport');

const CheckSchema = z
  .object({
    id: z.string(),
    status: z.enum(['pending', 'passed', 'failed', 'error']).openapi({ description: 'pending until the job ends' }),
    assertions: z.array(z.string()),
    job: JobSchema,
    report: z.union([CheckReportSchema, z.null()]),
  })
  .openapi('Check');

const CheckQuerySchema = z.object({
  format: z
    .enum(['json', 'junit', 'markdown'])
    .default('json')
    .openapi({ param: { name: 'format', in: 'query', description: '`junit`: JUnit XML; `markdown`: a summary for $GITHUB_STEP_SUMMARY' } }),
});

const createCheck = guarded(createRoute({
  method: 'post',
  path: '/v1/checks',
  operationId: 'createCheck',
  tags: ['checks'],
  summary: 'Start a job with assertions (and an optional baseline) to evaluate when it ends',
  middleware: [limitBody({ maxBytes: MAX_BODY_BYTES })] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateCheckSchema } } } },
  responses: {
    202: {
      description: 'accepted; GET Location once the job has ended',
      headers: z.object({ Location: z.string().openapi({ example: '/v1/checks/j_01JDQ7ZK3M6W8X9Y0A1B2C3D4E' }) }),
      content: { 'application/json': { schema: CheckSchema } },
    },
    ...problems(
      [400, 'bad-params: an assertion does not parse (`errors[].field` = assertions.N), a bad baseline, or a bad job request'],
      [404, 'unknown-probe'],
      [413, 'payload-too-large'],
      [415, 'unsupported-media-type: the body must be application/json'],
      [422, 'probe-unavailable-on-this-kernel'],
      [429, 'too-many-jobs'],
    ),
  },
}));

const getCheck = guarded(createRoute({
  method: 'get',
  path: '/v1/checks/{id}',
  operationId: 'getCheck',
  tags: ['checks'],
  summary: 'A check: pending while its job runs, then passed, failed or error with one result per assertion',
  request: { params: JobIdParamSchema, query: CheckQuerySchema },
  responses: {
    200: {
      description: 'the check (json), or its report as JUnit XML or Markdown',
      content: {
        'application/json': { schema: CheckSchema },
        'application/xml': { schema: z.string() },
        'text/markdown': { schema: z.string() },
      },
    },
    ...problems([400, 'bad-params: invalid query (an unknown format)'], [404, 'not-found'], [409, 'conflict: junit/markdown of a check whose job has not ended']),
  },
}));

/** Parse everything a check needs before any job starts; a list of issues if something is wrong. */
function specOf(body: z.infer<typeof CreateCheckSchema>): { spec?: CheckSpec; issues: ParamIssue[] } {
  const issues: ParamIssue[] = [];
  body.assertions.forEach((a, i) => {
    try {
      parseAssertion(a);
    } catch (err) {
      if (err instanceof AssertionSyntaxError) issues.push({ field: `assertions.${i}`, message: err.message });
      else throw err;
    }
  });
  let regression: CheckSpec['regression'];
  if (body.baseline !== undefined || body.maxRegression !== undefined) {
    if (body.baseline === undefined) issues.push({ field: 'baseline', message: 'maxRegression needs a baseline' });
    let baseline: ResultEnvelope | undefined;
    try {
      if (body.baseline !== undefined) baseline = baselineFrom(body.baseline);
      if (baseline && baseline.probe !== body.probe) issues.push({ field: 'baseline', message: `the baseline is a ${baseline.probe} result, not ${body.probe}` });
    } catch (err) {
      issues.push({ field: 'baseline', message: (err as Error).message });
    }
    let maxIncrease = 0;
    try {
      maxIncrease = typeof body.maxRegression === 'number' ? body.maxRegression : parsePercent(body.maxRegression ?? '0%');
    } catch (err) {
      issues.push({ field: 'maxRegression', message: (err as Error).message });
    }
    const metrics = body.regressionMetrics ?? ['p99'];
    metrics.forEach((m, i) => {
      try {
        const a = parseAssertion(`${m} >= 0`);
        if (a.left.type !== 'metric') issues.push({ field: `regressionMetrics.${i}`, message: `'${m}' is not a metric` });
      } catch (err) {
        issues.push({ field: `regressionMetrics.${i}`, message: (err as Error).message });
      }
    });
    if (baseline) regression = { baseline, maxIncrease, metrics };
  }
  return issues.length ? { issues } : { spec: { assertions: body.assertions, ...(regression ? { regression } : {}) }, issues };
}

function evaluate(job: Job, spec: CheckSpec): CheckReport | null {
  if (!isFinished(job.status)) return null;
  if (!job.result) {
    return { status: 'error', probe: job.probe, jobId: job.id, durationMs: 0, error: `the job ended ${job.status} without a result`, results: [], passed: 0, failed: 0, errors: 0 };
  }
  const reg = spec.regression
    ? { baseline: spec.regression.baseline as ResultEnvelope, maxIncrease: spec.regression.maxIncrease, metrics: spec.regression.metrics }
    : undefined;
  const report = evaluateCheck(job.result, spec.assertions.map((a) => parseAssertion(a)), reg);
  if (job.status === 'failed' || job.status === 'interrupted') {
    return { ...report, status: 'error', error: report.error ?? `the job ended ${job.status}` };
  }
  return report;
}

/** `jobs`: the job service POST /v1/jobs uses (createApp shares one). */
export function checksRoutes(deps: AppDeps, jobs = new JobService(deps)): OpenAPIHono {
  const app = new OpenAPIHono();
  const checks = checkStoreFor(deps.store.db);

  const view = (job: Job, spec: CheckSpec) => {
    const report = evaluate(job, spec);
    return { id: job.id, status: report ? report.status : ('pending' as const), assertions: spec.assertions, job, report };
  };

  app.openapi(createCheck, (c) => {
    const body = c.req.valid('json');
    const { spec, issues } = specOf(body);
    if (!spec) {
      const detail = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
      return sendProblem(c, badParams(detail, issues, instanceOf(c))) as never;
    }
    // the rest of the body is a job request, checked as POST /v1/jobs checks its body (same field names)
    const job = jobs.create(parseJobRequest(body, CHECK_KEYS), c.get('principal') ?? ANONYMOUS);
    checks.insert(job.id, spec);
    c.header('Location', `/v1/checks/${job.id}`);
    return c.json(view(job, spec), 202);
  });

  app.openapi(getCheck, (c) => {
    const { id } = c.req.valid('param');
    const { format } = c.req.valid('query');
    const spec = checks.get(id);
    const job = spec && deps.store.get(id);
    if (!spec || !job) throw new NotFoundError(`check '${id}'`);
    const v = view(job, spec);
    if (format === 'json') return c.json(v, 200);
    if (!v.report) {
      return sendProblem(c, {
        status: 409,
        headers: {},
        body: { type: 'https://sonde.dev/problems/conflict', title: 'Conflict', status: 409, detail: `check '${id}' is pending (job ${job.status})`, instance: instanceOf(c) },
      }) as never;
    }
    const link = permalink(c, id);
    if (format === 'junit') return c.body(toJUnit(v.report, { permalink: link }), 200, { 'Content-Type': 'application/xml; charset=utf-8' }) as never;
    return c.body(toMarkdown(v.report, { permalink: link }), 200, { 'Content-Type': 'text/markdown; charset=utf-8' }) as never;
  });

  return app;
}
