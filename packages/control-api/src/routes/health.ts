import { release } from 'node:os';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { AppDeps } from '../deps.js';
import { HealthSchema } from '../schemas.js';
import { VERSION } from '../version.js';

const health = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['health'],
  // outside /v1/*, so the bearer-token guard never runs here: no token, whatever the server's
  security: [],
  summary: 'Liveness, with the number of running jobs',
  responses: {
    200: { description: 'the server is up', content: { 'application/json': { schema: HealthSchema } } },
  },
});

export function healthRoutes({ runner, startedAt }: AppDeps): OpenAPIHono {
  const since = startedAt ?? Date.now();
  const kernel = release();
  const app = new OpenAPIHono();
  app.openapi(health, (c) =>
    c.json(
      {
        status: 'ok' as const,
        uptimeS: Math.round((Date.now() - since) / 1000),
        running: runner.running().length,
        version: VERSION,
        kernel,
      },
      200,
    ),
  );
  return app;
}
