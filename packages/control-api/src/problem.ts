/**
 * The one place where errors become RFC 9457 problem documents (application/problem+json).
 * Routes throw typed errors (or zod fails validation); `app.onError`, `app.notFound` and the
 * validation `defaultHook` all answer through here.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorType, ParamIssue } from '@sonde/probe-sdk';
import { SondeError } from '@sonde/probe-sdk';

export const PROBLEM_BASE = 'https://sonde.dev/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types this API answers with: the SDK's error types plus a few HTTP-level ones. */
export type ProblemType = ErrorType | 'unsupported-media-type' | 'method-not-allowed' | 'payload-too-large' | 'rate-limited';

/** A problem of the HTTP layer that the SDK's errors do not cover (rate limits, auth); thrown like a SondeError. */
export class ApiProblem extends Error {
  constructor(
    readonly type: ProblemType,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiProblem';
  }
}

const CATALOGUE: Record<ProblemType, { status: ContentfulStatusCode; title: string }> = {
  'bad-params': { status: 400, title: 'Invalid request parameters' },
  unauthorized: { status: 401, title: 'Authentication required' },
  'not-permitted': { status: 403, title: 'Not permitted' },
  'unknown-probe': { status: 404, title: 'Unknown probe' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'probe-unavailable-on-this-kernel': { status: 422, title: 'Probe unavailable on this kernel' },
  'probe-rejected-by-verifier': { status: 422, title: "Probe rejected by this kernel's verifier" },
  'too-many-jobs': { status: 429, title: 'Too many jobs' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'probe-load-failed': { status: 500, title: 'Probe failed to load' },
  internal: { status: 500, title: 'Internal error' },
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  [extra: string]: unknown;
}

export interface ProblemResult {
  status: ContentfulStatusCode;
  body: Problem;
  headers: Record<string, string>;
}

export function problemType(type: ProblemType): string {
  return `${PROBLEM_BASE}${type}`;
}

/** Duck-typed too: an error revived in another copy of the SDK is still a SondeError. */
function asSondeError(err: unknown): SondeError | undefined {
  if (err instanceof SondeError) return err;
  const e = err as { type?: unknown; details?: unknown; message?: unknown } | null;
  if (
    e && typeof e === 'object' && typeof e.type === 'string' && e.type in CATALOGUE &&
    typeof e.message === 'string' && typeof e.details === 'object'
  ) {
    return err as SondeError;
  }
  return undefined;
}

function build(type: ProblemType, detail: string, instance: string, extra: Record<string, unknown> = {}): ProblemResult {
  const { status, title } = CATALOGUE[type];
  const body: Problem = { type: problemType(type), title, status, detail, instance };
  // extension members follow; the fixed ones win over a detail of the same name
  for (const [k, v] of Object.entries(extra)) if (!(k in body)) body[k] = v;
  return { status, body, headers: {} };
}

/** A bad-params problem listing each offending field. */
export function badParams(detail: string, errors: ParamIssue[], instance: string): ProblemResult {
  return build('bad-params', detail, instance, { errors });
}

/** Map anything thrown to a problem. Unknown errors are logged, never shown. */
export function toProblem(err: unknown, instance: string): ProblemResult {
  const se = asSondeError(err);
  if (se) {
    const details = { ...se.details };
    if (se.type === 'bad-params') {
      const issues = (details.issues as ParamIssue[] | undefined) ?? [];
      delete details.issues;
      return build('bad-params', se.message, instance, { ...details, errors: issues });
    }
    if (se.type === 'internal') console.error(err);
    const p = build(se.type, se.message, instance, details);
    if (se.type === 'unauthorized') p.headers['WWW-Authenticate'] = 'Bearer realm="sonde"';
    if (se.type === 'too-many-jobs' || (se.type as ProblemType) === 'rate-limited') {
      const after = Number(details.retryAfter ?? 5);
      p.headers['Retry-After'] = String(Number.isFinite(after) && after > 0 ? Math.ceil(after) : 5);
    }
    return p;
  }
  if (err instanceof HTTPException) {
    const msg = err.message || 'request refused';
    switch (err.status) {
      case 400:
        // hono raises this for an unparsable JSON body
        return badParams(msg, [{ field: 'body', message: msg }], instance);
      case 401:
        return build('unauthorized', msg, instance);
      case 403:
        return build('not-permitted', msg, instance);
      case 404:
        return build('not-found', msg, instance);
      case 405:
        return build('method-not-allowed', msg, instance);
      case 413:
        return build('payload-too-large', 'the request body is larger than this API accepts', instance);
      case 415:
        return build('unsupported-media-type', `${msg}: send application/json`, instance);
      default:
        if (err.status < 500) {
          const { status } = err;
          return { status: status as ContentfulStatusCode, headers: {}, body: { type: 'about:blank', title: msg, status, detail: msg, instance } };
        }
    }
  }
  console.error(err);
  return build('internal', 'an unexpected error occurred; the server log has the details', instance);
}

/** Send a problem as the response. */
export function sendProblem(c: Context, p: ProblemResult): Response {
  return new Response(JSON.stringify(p.body), {
    status: p.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, ...p.headers },
  });
}

export function instanceOf(c: Context): string {
  return new URL(c.req.url).pathname;
}
