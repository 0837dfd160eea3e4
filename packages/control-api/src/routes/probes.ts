import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { UnknownProbeError } from '@sonde/probe-sdk';
import type { AppDeps } from '../deps.js';
import { EncodedBody } from '../encoded-body.js';
import { guarded, ProbeInfoSchema, ProbeListSchema, ProbeNameParamSchema, problems } from '../schemas.js';

const listProbes = guarded(createRoute({
  method: 'get',
  path: '/v1/probes',
  operationId: 'listProbes',
  tags: ['probes'],
  summary: 'List the probe catalogue, including probes that cannot run here and why',
  responses: {
    200: { description: 'the catalogue', content: { 'application/json': { schema: ProbeListSchema } } },
  },
}));

const getProbe = guarded(createRoute({
  method: 'get',
  path: '/v1/probes/{name}',
  operationId: 'getProbe',
  tags: ['probes'],
  summary: 'One probe: params JSON schema, output kind, availability on this kernel',
  request: { params: ProbeNameParamSchema },
  responses: {
    200: { description: 'the probe', content: { 'application/json': { schema: ProbeInfoSchema } } },
    ...problems([404, 'unknown-probe']),
  },
}));

export function probesRoutes({ catalog }: AppDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  // the catalogue is fixed once discovered: serialised and compressed once (~30 KB of params schemas,
  // a few KB gzipped), so a request neither re-encodes nor re-measures it
  let listed: EncodedBody | undefined;
  app.openapi(listProbes, (c) => {
    listed ??= new EncodedBody(JSON.stringify({ probes: catalog.list() }));
    return listed.response(c.req.header('accept-encoding')) as never;
  });
  app.openapi(getProbe, (c) => {
    const { name } = c.req.valid('param');
    const info = catalog.get(name);
    if (!info) throw new UnknownProbeError(name);
    return c.json(info, 200);
  });
  return app;
}
