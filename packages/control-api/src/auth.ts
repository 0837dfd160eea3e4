/**
 * Who may do what. Bearer tokens with roles — viewer (read catalogue, jobs, results, streams),
 * operator (also start and stop jobs), admin (also read the configuration) — and a token bucket
 * per token. With no tokens configured (only allowed on loopback, see config.ts) every caller is
 * the `anonymous` admin, as before auth existed.
 *
 * Tokens are kept only as SHA-256 digests and compared with timingSafeEqual against every
 * configured token (no early exit), so neither the comparison nor the lookup leaks timing; the
 * presented token is never logged or echoed.
 *
 * The middleware remembers the few Authorization header values that verified (a small LRU, valid
 * ones only, so wrong guesses cannot fill or probe it): a repeat caller skips the regex and the
 * hash. The first presentation of a header value always takes the constant-time path above.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Role, TokenConfig } from './config.js';
import { ApiProblem } from './problem.js';

export interface Principal {
  name: string;
  role: Role;
}

declare module 'hono' {
  interface ContextVariableMap {
    principal: Principal;
  }
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const ANONYMOUS: Principal = { name: 'anonymous', role: 'admin' };

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class TokenAuth {
  private readonly entries: Array<{ principal: Principal; hash: Buffer }>;

  constructor(tokens: readonly TokenConfig[]) {
    this.entries = tokens.map((t) => ({ principal: { name: t.name, role: t.role }, hash: digest(t.token) }));
  }

  /** no tokens configured: everyone is the anonymous admin (loopback only) */
  get open(): boolean {
    return this.entries.length === 0;
  }

  verify(presented: string): Principal | undefined {
    const h = digest(presented);
    let found: Principal | undefined;
    for (const e of this.entries) {
      // every entry is compared, match or not
      if (timingSafeEqual(h, e.hash) && !found) found = e.principal;
    }
    return found;
  }
}

/** A token bucket per key: `perSecond` refill, `burst` capacity. perSecond 0 = unlimited. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** 0 when allowed, else the seconds until a request would be */
  take(key: string, now = Date.now()): number {
    if (this.perSecond <= 0) return 0;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }
}

/** The role a request needs: reads are viewer's, writes operator's, the configuration admin's. */
export function requiredRole(method: string, path: string): Role {
  if (path === '/v1/config' || path.startsWith('/v1/config/')) return 'admin';
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 'viewer' : 'operator';
}

export interface AuthOptions {
  tokens: readonly TokenConfig[];
  rateLimit?: { perSecond: number; burst: number };
}

/**
 * Guards /v1/*: 401 without a valid token, 403 below the needed role, 429 over the token's rate.
 * With no tokens (loopback only) it is a no-op: callers are the anonymous admin, unlimited.
 */
/** how many distinct verified Authorization header values the middleware remembers */
export const VERIFIED_CACHE_MAX = 64;

export function authMiddleware(opts: AuthOptions): MiddlewareHandler {
  const auth = new TokenAuth(opts.tokens);
  const limiter = new RateLimiter(opts.rateLimit?.perSecond ?? 0, opts.rateLimit?.burst ?? 1);
  // open (loopback, no tokens): there is no token to limit or check
  if (auth.open) return (_c, next) => next();
  // header value → principal, for values that verified (insertion order = LRU order)
  const verified = new Map<string, Principal>();
  return (c, next) => {
    const header = c.req.header('authorization') ?? '';
    let who = verified.get(header);
    if (who) {
      verified.delete(header);
      verified.set(header, who);
    } else {
      const m = /^Bearer[ ]+([\x21-\x7e]{1,1024})\s*$/i.exec(header);
      const found = m ? auth.verify(m[1]!) : undefined;
      if (!found) {
        throw new ApiProblem('unauthorized', header ? 'the bearer token is not valid' : 'send Authorization: Bearer <token>');
      }
      who = found;
      verified.set(header, who);
      if (verified.size > VERIFIED_CACHE_MAX) verified.delete(verified.keys().next().value!);
    }
    const needed = requiredRole(c.req.method, c.req.path);
    if (RANK[who.role] < RANK[needed]) {
      throw new ApiProblem('not-permitted', `token '${who.name}' has role ${who.role}; this needs ${needed}`, {
        role: who.role,
        required: needed,
      });
    }
    const wait = limiter.take(who.name);
    if (wait > 0) {
      throw new ApiProblem('rate-limited', `token '${who.name}' is over ${limiter.perSecond} requests/s`, {
        limit: limiter.perSecond,
        burst: limiter.burst,
        retryAfter: wait,
      });
    }
    c.set('principal', who);
    return next();
  };
}
