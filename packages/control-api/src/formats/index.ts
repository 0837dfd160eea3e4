/** Chat-ready renderings of a job: `?format=markdown|slack`, and the histogram picture. */
import { textWithCounters } from '@sonde/probe-sdk';
import type { Job } from '../store.js';
import { renderMarkdown } from './markdown.js';
import { renderSlack } from './slack.js';

export { compactHistogram, pickHistogram, shapesOf, statsOf, type Shapes, type Table } from './data.js';
export { renderMarkdown } from './markdown.js';
export { renderSlack, type SlackBlock, type SlackMessage } from './slack.js';
export { renderHistogramSvg, type SvgOptions } from './svg.js';

export const JOB_FORMATS = ['json', 'text', 'markdown', 'slack'] as const;
export type JobFormat = (typeof JOB_FORMATS)[number];

export interface FormatOptions {
  /** the probe's upstream text layout (catalog.render) */
  render: (data: unknown, params: unknown) => string;
  /** the job's stable URL */
  permalink?: string;
}

export const FORMAT_CONTENT_TYPES: Record<JobFormat, string> = {
  json: 'application/json',
  text: 'text/plain; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  slack: 'application/json',
};

/** The body of a job in one format (slack: the Block Kit JSON as a string). */
export function renderJobFormat(job: Job, format: JobFormat, opts: FormatOptions): string {
  const link = opts.permalink ? { permalink: opts.permalink } : {};
  switch (format) {
    case 'json':
      return JSON.stringify(job);
    case 'text':
      return job.result && job.result.data !== null && job.result.data !== undefined ? textWithCounters(job.result, opts.render(job.result.data, job.params)) : '';
    case 'markdown':
      return renderMarkdown(job, link);
    case 'slack':
      return JSON.stringify(renderSlack(job, link));
  }
}

