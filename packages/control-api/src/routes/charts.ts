/** `GET /v1/jobs/{id}/histogram.svg`: the result's histogram as a picture a bot can post. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFoundError, SondeError } from '@sonde/probe-sdk';
import type { AppDeps } from '../deps.js';
import { pickHistogram, renderHistogramSvg, shapesOf } from '../formats/index.js';
import { guarded, JobIdParamSchema, problems } from '../schemas.js';

const SvgQuerySchema = z.object({
  key: z
    .string()
    .min(1)
    .optional()
    .openapi({ param: { name: 'key', in: 'query', description: 'one keyed histogram (e.g. an address with `by`); default: all merged' } }),
});

const histogramSvg = guarded(createRoute({
  method: 'get',
  path: '/v1/jobs/{id}/histogram.svg',
  operationId: 'getJobHistogramSvg',
  tags: ['jobs'],
  summary: "The result's histogram as SVG: one bar per non-empty bucket",
  request: { params: JobIdParamSchema, query: SvgQuerySchema },
  responses: {
    200: { description: 'an SVG image', content: { 'image/svg+xml': { schema: z.string() } } },
    ...problems(
      [400, 'bad-params: invalid query (an empty key)'],
      [404, 'not-found: no such job, or no histogram with that key'],
      [409, 'conflict: the job has no histogram result (yet)'],
    ),
  },
}));

export function chartsRoutes({ store }: AppDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openapi(histogramSvg, (c) => {
    const { id } = c.req.valid('param');
    const { key } = c.req.valid('query');
    const job = store.get(id);
    if (!job) throw new NotFoundError(`job '${id}'`);
    const data = job.result?.data;
    if (data === null || data === undefined) {
      throw new SondeError('conflict', `job '${id}' has no result to draw (status ${job.status})`, { status: job.status });
    }
    const h = pickHistogram(data, job.result?.shape, key);
    if (!h) {
      if (key !== undefined && shapesOf(data, job.result?.shape).keyed.length > 0) throw new NotFoundError(`histogram with key '${key}' in job '${id}'`);
      throw new SondeError('conflict', `job '${id}' (${job.probe}) has no histogram`, { status: job.status });
    }
    const title = `${job.probe}${key ? ` ${key}` : ''} · ${job.id}`;
    return c.body(renderHistogramSvg(h, { title }), 200, {
      'Content-Type': 'image/svg+xml; charset=utf-8',
      // a finished result never changes
      ...(job.endedAt ? { 'Cache-Control': 'public, max-age=86400, immutable' } : {}),
    });
  });
  return app;
}
