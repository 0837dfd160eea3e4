/** `GET /v1/jobs/{id}?format=markdown|slack`: chat-ready renderings (the route itself lives in jobs.ts). */
import type { Context } from 'hono';
import type { CatalogApi } from '@sonde/core-loader';
import { FORMAT_CONTENT_TYPES, renderJobFormat, type JobFormat } from '../formats/index.js';
import type { Job } from '../store.js';

/** the job's stable URL, as the client reached this server */
export function permalink(c: Context, id: string): string {
  return `${new URL(c.req.url).origin}/v1/jobs/${id}`;
}

export function chatFormat(c: Context, job: Job, format: Exclude<JobFormat, 'json' | 'text'>, catalog: CatalogApi): Response {
  const body = renderJobFormat(job, format, {
    render: (data, params) => catalog.render(job.probe, data, params),
    permalink: permalink(c, job.id),
  });
  return c.body(body, 200, { 'Content-Type': FORMAT_CONTENT_TYPES[format] });
}
