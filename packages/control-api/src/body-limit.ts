/**
 * A request-body limit that still answers 413 to clients that write the whole body before they read
 * the answer (Python's urllib, many HTTP libraries). Closing the connection while such a client is
 * still writing makes it fail with a broken pipe or a reset and never see the 413, so an over-limit
 * body is read and discarded — up to `drainBytes` and `drainMs` — and only then answered. Past either
 * bound the 413 goes out at once with `Connection: close`: a client that sends gigabytes gets a reset,
 * and one slow sender costs the server a socket and a timer, never a buffer.
 *
 * Under @hono/node-server the body is read from the Node request itself (so the server's own
 * 500 ms drain never starts); elsewhere (app.request in tests) hono's bodyLimit does the work.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';

export interface BodyLimitOptions {
  /** the largest body the route accepts */
  maxBytes: number;
  /** an over-limit body is read and discarded up to this many bytes in all, then the connection closes */
  drainBytes?: number;
  /** ... and for at most this long from the moment it went over the limit */
  drainMs?: number;
}

/** a job or check request is a few hundred bytes; anything near this is a mistake or abuse */
export const MAX_BODY_BYTES = 64 * 1024;
export const DRAIN_BYTES = 16 * 1024 * 1024;
export const DRAIN_MS = 5_000;

type ReadOutcome = { kind: 'body'; body: Uint8Array } | { kind: 'over'; drained: boolean } | { kind: 'aborted' };

interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

export function limitBody(opts: BodyLimitOptions): MiddlewareHandler {
  const drainBytes = Math.max(opts.drainBytes ?? DRAIN_BYTES, opts.maxBytes);
  const drainMs = opts.drainMs ?? DRAIN_MS;
  const fallback = honoBodyLimit({ maxSize: opts.maxBytes });
  return async (c, next) => {
    const { incoming, outgoing } = (c.env ?? {}) as NodeBindings;
    if (!incoming || incoming.readableEnded || incoming.readableDidRead || c.req.method === 'GET' || c.req.method === 'HEAD')
      return fallback(c, next);
    const declared = Number(c.req.header('content-length') ?? NaN);
    let outcome: ReadOutcome;
    if (Number.isFinite(declared) && declared > drainBytes) outcome = { kind: 'over', drained: false };
    else outcome = await readBounded(incoming, opts.maxBytes, drainBytes, drainMs);
    if (outcome.kind === 'over') {
      // not all of it was read: what is left would be parsed as the next request, so close after the answer
      if (!outcome.drained && outgoing && !outgoing.headersSent) outgoing.shouldKeepAlive = false;
      throw new HTTPException(413, { message: 'payload too large' });
    }
    if (outcome.kind === 'aborted') throw new HTTPException(400, { message: 'the request body ended early (the client went away)' });
    c.req.raw = new Request(c.req.raw, { body: outcome.body });
    await next();
  };
}

/**
 * Read a request body: the bytes when it fits in `maxBytes`; past that, discard until the end, or
 * until `drainBytes` in all or `drainMs` after it went over, whichever comes first.
 */
export function readBounded(incoming: IncomingMessage, maxBytes: number, drainBytes: number, drainMs: number): Promise<ReadOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: ReadOutcome): void => {
      clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onStop);
      incoming.off('close', onStop);
      if (outcome.kind === 'over' && !outcome.drained) incoming.pause();
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      if (!timer) {
        chunks.length = 0;
        timer = setTimeout(() => finish({ kind: 'over', drained: false }), drainMs);
        timer.unref();
      }
      if (size > drainBytes) finish({ kind: 'over', drained: false });
    };
    const onEnd = (): void => finish(size > maxBytes ? { kind: 'over', drained: true } : { kind: 'body', body: Buffer.concat(chunks, size) });
    const onStop = (): void => finish(size > maxBytes ? { kind: 'over', drained: false } : { kind: 'aborted' });
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onStop);
    incoming.on('close', onStop);
  });
}
