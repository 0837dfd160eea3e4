import { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError } from '@sonde/probe-sdk';
import { authMiddleware } from './auth.js';
import type { AppDeps } from './deps.js';
import { JobService } from './job-service.js';
import { instanceOf, PROBLEM_BASE, sendProblem, toProblem } from './problem.js';
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
import { DEFAULT_URL } from './config.js';
import { validationHook } from './validation.js';
import { VERSION } from './version.js';

export type { AppDeps } from './deps.js';
export { validationHook, zodIssues } from './validation.js';

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
  // one job service: POST /v1/jobs and POST /v1/checks create jobs by the same call
  const jobs = new JobService(deps);
  app.route('/', jobsRoutes(deps, jobs));
  app.route('/', chartsRoutes(deps));
  app.route('/', checksRoutes(deps, jobs));
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
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    servers: [{ url: DEFAULT_URL, description: 'the default local address (SONDE_HOST, SONDE_PORT)' }],
    tags: [
      { name: 'jobs', description: 'bounded tracing jobs and their results' },
      { name: 'probes', description: 'the probe catalogue' },
      { name: 'checks', description: 'CI checks: a job with assertions, evaluated when it ends' },
      { name: 'admin', description: 'the effective configuration (admin role)' },
      { name: 'health', description: 'liveness' },
    ],
    security: [{ bearer: [] }],
  }) as unknown as Record<string, unknown>;
}
