import type { RouteConfig } from '@hono/zod-openapi';
import type { Hook } from '@hono/zod-openapi';
import type { Context, Env } from 'hono';
import { validator } from 'hono/validator';
import type { ParamIssue } from '@sonde/probe-sdk';
import { badParams, instanceOf, sendProblem } from './problem.js';

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

interface SafeParser {
  safeParse(v: unknown): { success: true; data: unknown } | { success: false; error: { issues: unknown[] } };
}

/**
 * For a route served by one plain handler rather than `app.openapi` (so that Hono calls it directly,
 * with no middleware chain): its path params and query checked as `app.openapi` would check them —
 * Hono's validator reading the request, the route's zod schemas, the hook above. `check(c)` is the 400
 * answer, or undefined with the values then in `c.req.valid('param' | 'query')`.
 */
export function requestChecks(route: RouteConfig): (c: Context) => Promise<Response | undefined> {
  const parts = [
    ['param', route.request?.params],
    ['query', route.request?.query],
  ] as const;
  const checks = parts.flatMap(([target, schema]) => {
    if (!schema) return [];
    const parser = schema as unknown as SafeParser;
    return [
      validator(target, (value, c) => {
        const result = parser.safeParse(value);
        if (result.success) return result.data as Record<string, unknown>;
        return validationHook({ ...result, target } as never, c) as Response;
      }),
    ];
  });
  const through = async (): Promise<void> => {};
  return async (c) => {
    for (const check of checks) {
      const stop = await check(c, through);
      if (stop) return stop;
    }
    return undefined;
  };
}
