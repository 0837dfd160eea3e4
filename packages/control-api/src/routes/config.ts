import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFoundError } from '@sonde/probe-sdk';
import type { AppDeps } from '../deps.js';
import { guarded, problems } from '../schemas.js';

const ConfigViewSchema = z
  .object({
    host: z.string(),
    port: z.int(),
    maxJobs: z.int(),
    maxJobsPerProbe: z.object({ default: z.int(), byProbe: z.record(z.string(), z.int()) }),
    maxDurationMs: z.int(),
    maxEvents: z.int(),
    rateLimit: z.object({ perSecond: z.number(), burst: z.number() }),
    retention: z.object({ days: z.number(), jobs: z.int() }),
    auth: z.object({
      open: z.boolean().openapi({ description: 'no tokens configured: every loopback caller is admin' }),
      tokens: z.array(z.object({ name: z.string(), role: z.enum(['viewer', 'operator', 'admin']) })),
    }),
    otlp: z.object({
      destinations: z
        .array(z.object({ name: z.string(), default: z.boolean(), timeoutMs: z.int() }))
        .openapi({ description: 'what a job may name in export.otlp; endpoints and headers are not shown' }),
    }),
  })
  .openapi('ConfigView', { description: 'the effective settings; token secrets are never shown' });

const getConfig = guarded(createRoute({
  method: 'get',
  path: '/v1/config',
  operationId: 'getConfig',
  tags: ['admin'],
  summary: 'The effective limits and token names and roles (admin)',
  responses: {
    200: { description: 'the configuration', content: { 'application/json': { schema: ConfigViewSchema } } },
    ...problems([404, 'not-found: started without a configuration']),
  },
}));

export function configRoutes({ config }: AppDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openapi(getConfig, (c) => {
    if (!config) throw new NotFoundError('configuration (the server was built without one)');
    const { tokens, dataDir: _d, auditFile: _a, otlp, ...rest } = config;
    const destinations = otlp.destinations.map((d) => ({ name: d.name, default: d.default, timeoutMs: d.timeoutMs }));
    return c.json(
      {
        ...rest,
        auth: { open: tokens.length === 0, tokens: tokens.map((t) => ({ name: t.name, role: t.role })) },
        otlp: { destinations },
      },
      200,
    );
  });
  return app;
}
