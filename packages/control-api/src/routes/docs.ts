import { OpenAPIHono } from '@hono/zod-openapi';
import { swaggerUI } from '@hono/swagger-ui';

/**
 * `/openapi.json` and `/docs`. The document describes the whole app, so the caller passes a
 * function that builds it from the root app (routes live in the root's registry, not here).
 * Both routes stay out of the document themselves.
 */
export function docsRoutes(document: () => object): OpenAPIHono {
  const app = new OpenAPIHono();
  let cached: object | undefined;
  app.get('/openapi.json', (c) => c.json((cached ??= document())));
  app.get('/docs', swaggerUI({ url: '/openapi.json', title: 'sonde API' }));
  return app;
}
