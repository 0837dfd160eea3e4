import { OpenAPIHono } from '@hono/zod-openapi';
import type { Hook } from '@hono/zod-openapi';
import type { Env } from 'hono';
import type { ParamIssue } from '@sonde/probe-sdk';
import { NotFoundError } from '@sonde/probe-sdk';
import { authMiddleware } from './auth.js';
import type { AppDeps } from './deps.js';
import { badParams, instanceOf, PROBLEM_BASE, sendProblem, toProblem } from './problem.js';
import { chartsRoutes } from './routes/charts.js';
import { checksRoutes } from './routes/checks.js';
import { metricsRoutes } from './routes/metrics.js';
import { webRoutes } from './routes/web.js';
import { configRoutes } from './routes/config.js';
import { docsRoutes } from './routes/docs.js';
import { eventsRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { jobsRoutes } from './routes/jobs.js';
import { probesRoutes } from './routes/probes.js';
import { ProblemSchema } from './schemas.js';
import { VERSION } from './version.js';

export type { AppDeps } from './deps.js';

interface ZodLikeIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

/** zod issues → `{field, message}`; body fields keep their own path (`params.rport`), unknown keys are named. */
export function zodIssues(issues: readonly ZodLikeIssue[], where: string): ParamIssue[] {
  return issues.flatMap((i) => {
    const path = i.path.map(String);
    if (i.code === 'unrecognized_keys' && i.keys) {
      return i.keys.map((k) => ({ field: [...path, k].join('.'), message: 'unknown field' }));
    }
    return [{ field: path.length ? path.join('.') : where, message: i.message }];
  });
}

/** The one validation hook: any request that fails its zod schema becomes a 400 bad-params problem. */
export const validationHook: Hook<unknown, Env, string, unknown> = (result, c) => {
  if (result.success) return;
  const where = result.target === 'json' ? 'body' : result.target;
  const errors = zodIssues(result.error.issues as ZodLikeIssue[], where);
  const detail = `invalid ${where}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`;
  return sendProblem(c, badParams(detail, errors, instanceOf(c)));
};

/** Build the HTTP app. Tests drive it with `app.request()`; main.ts serves it. */
export function createApp(deps: AppDeps): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.openAPIRegistry.register('Problem', ProblemSchema);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'required on /v1/* when the server has tokens (always when it listens beyond loopback); roles viewer < operator < admin',
  });
  // no tokens (loopback): no middleware at all, so single-handler routes take Hono's direct path
  if (deps.auth?.tokens.length) app.use('/v1/*', authMiddleware(deps.auth));
  app.route('/', healthRoutes(deps));
  app.route('/', probesRoutes(deps));
  app.route('/', jobsRoutes(deps));
  app.route('/', chartsRoutes(deps));
  app.route('/', checksRoutes(deps, () => app));
  app.route('/', metricsRoutes(deps));
  app.route('/', webRoutes());
  app.route('/', eventsRoutes(deps));
  app.route('/', configRoutes(deps));
  app.route('/', docsRoutes(() => openApiDocument(app)));
  app.onError((err, c) => sendProblem(c, toProblem(err, instanceOf(c))));
  app.notFound((c) => sendProblem(c, toProblem(new NotFoundError(`route ${c.req.method} ${instanceOf(c)}`), instanceOf(c))));
  return app;
}

/** The OpenAPI 3.1 document of an app built by createApp. */
export function openApiDocument(app: OpenAPIHono): Record<string, unknown> {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'sonde',
      version: VERSION,
      description:
        'On-demand eBPF TCP tracers run as bounded jobs. Errors are RFC 9457 problem documents whose ' +
        `\`type\` is ${PROBLEM_BASE}<type>.`,
    },
    tags: [
      { name: 'jobs', description: 'bounded tracing jobs and their results' },
      { name: 'probes', description: 'the probe catalogue' },
      { name: 'health', description: 'liveness' },
    ],
    security: [{ bearer: [] }],
  }) as unknown as Record<string, unknown>;
}
