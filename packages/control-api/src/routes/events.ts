/**
 * GET /v1/jobs/{id}/events: a job's events as Server-Sent Events (default) or NDJSON
 * (`Accept: application/x-ndjson`). A running job streams replay-then-live from the EventHub;
 * a finished one streams the events stored in its result; both close with `end`.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { NotFoundError } from '@sonde/probe-sdk';
import type { AppDeps } from '../deps.js';
import { EventHub, type EndInfo, type StreamItem } from '../events-hub.js';
import { guarded, JobIdParamSchema, problems } from '../schemas.js';
import { isFinished, type Job } from '../store.js';

export const HEARTBEAT_MS = 15_000;
/** items written per chunk at most (the replay of a big job goes out in slices) */
const CHUNK_ITEMS = 512;

const streamEvents = guarded(createRoute({
  method: 'get',
  path: '/v1/jobs/{id}/events',
  operationId: 'streamJobEvents',
  tags: ['jobs'],
  summary: "A job's events, live: replay from the start (or after Last-Event-ID), then live, then `end`",
  description:
    'Server-Sent Events by default: `id:` is the event sequence number (0-based, the index in ' +
    '`result.data.events`), event names `event` (data: one probe event), `lost` (data: `{count, reason}`; ' +
    '`slow-subscriber` when this reader fell behind and its queued events were dropped, `replay-truncated` ' +
    'for events past the kept maximum) and `end` (data: `{status, stoppedBy, stats}`); a comment every 15 s ' +
    'keeps the connection open. With `Accept: application/x-ndjson`: one JSON object per line, ' +
    '`{type: "event", seq, event}`, `{type: "lost", count, reason}`, `{type: "heartbeat"}`, `{type: "end", ...}`. ' +
    'A finished job streams the events stored in its result, then `end`.',
  request: {
    params: JobIdParamSchema,
    headers: z.object({
      'last-event-id': z
        .string()
        .optional()
        .openapi({ param: { name: 'last-event-id', in: 'header' }, description: 'resume after this sequence number' }),
    }),
  },
  responses: {
    200: {
      description: 'the event stream',
      content: {
        'text/event-stream': { schema: z.string().openapi({ example: 'id: 0\nevent: event\ndata: {"pid":1}\n\n' }) },
        'application/x-ndjson': { schema: z.string().openapi({ example: '{"type":"event","seq":0,"event":{"pid":1}}\n' }) },
      },
    },
    ...problems([404, 'not-found']),
  },
}));

interface Source {
  /** the next item, waiting up to ms; undefined: nothing yet (heartbeat), null: over */
  next(ms: number): Promise<StreamItem | null | undefined>;
  /** the next item if one is ready */
  poll(): StreamItem | null | undefined;
  close(): void;
}

/** the events kept in a finished job's result, then `end` */
function storedSource(job: Job, from: number): Source {
  const data = job.result?.data as { events?: unknown } | null | undefined;
  const events = Array.isArray(data?.events) ? (data.events as unknown[]) : [];
  const stats = job.result?.stats;
  const items: StreamItem[] = [];
  for (let i = Math.max(0, from); i < events.length; i++) items.push({ type: 'event', seq: i, json: JSON.stringify(events[i]) ?? 'null' });
  const notKept = (stats?.events ?? 0) - Math.max(events.length, from);
  if (events.length > 0 && notKept > 0) items.push({ type: 'lost', count: notKept, reason: 'replay-truncated' });
  const end: EndInfo = { status: job.status, stoppedBy: job.result?.stoppedBy, stats };
  items.push({ type: 'end', end });
  let i = 0;
  const poll = () => (i < items.length ? items[i++]! : null);
  return {
    next: () => Promise.resolve(poll()),
    poll,
    close: () => {
      i = items.length;
    },
  };
}

function sse(item: StreamItem | 'heartbeat'): string {
  if (item === 'heartbeat') return ': keep-alive\n\n';
  switch (item.type) {
    case 'event':
      return `id: ${item.seq}\nevent: event\ndata: ${item.json}\n\n`;
    case 'lost':
      return `event: lost\ndata: ${JSON.stringify({ count: item.count, reason: item.reason })}\n\n`;
    case 'end':
      return `event: end\ndata: ${JSON.stringify(item.end)}\n\n`;
  }
}

function ndjson(item: StreamItem | 'heartbeat'): string {
  if (item === 'heartbeat') return '{"type":"heartbeat"}\n';
  switch (item.type) {
    case 'event':
      return `{"type":"event","seq":${item.seq},"event":${item.json}}\n`;
    case 'lost':
      return `${JSON.stringify({ type: 'lost', count: item.count, reason: item.reason })}\n`;
    case 'end':
      return `${JSON.stringify({ type: 'end', ...item.end })}\n`;
  }
}

/** A pull-driven body: nothing is read from the source until the client reads, so a stalled client only fills its own queue. */
function body(src: Source, format: (i: StreamItem | 'heartbeat') => string, heartbeatMs: number, head = ''): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let sentHead = head === '';
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!sentHead) {
          sentHead = true;
          controller.enqueue(enc.encode(head));
          return;
        }
        const first = await src.next(heartbeatMs);
        if (first === null) return controller.close();
        if (first === undefined) return controller.enqueue(enc.encode(format('heartbeat')));
        let out = format(first);
        let ended = first.type === 'end';
        for (let n = 1; n < CHUNK_ITEMS && !ended; n++) {
          const more = src.poll();
          if (!more) break;
          out += format(more);
          ended = more.type === 'end';
        }
        controller.enqueue(enc.encode(out));
        if (ended) {
          src.close();
          controller.close();
        }
      },
      cancel() {
        src.close();
      },
    },
    { highWaterMark: 0 },
  );
}

export function eventsRoutes(deps: AppDeps, opts: { heartbeatMs?: number } = {}): OpenAPIHono {
  const hub = deps.events ?? new EventHub();
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  const app = new OpenAPIHono();

  app.openapi(streamEvents, (c) => {
    const { id } = c.req.valid('param');
    const job = deps.store.get(id);
    if (!job) throw new NotFoundError(`job '${id}'`);
    const last = c.req.header('last-event-id');
    const from = last !== undefined && /^\d{1,15}$/.test(last.trim()) ? Number(last.trim()) + 1 : 0;
    const src: Source = hub.has(id) || !isFinished(job.status) ? hub.subscribe(id, from) : storedSource(job, from);
    const nd = (c.req.header('accept') ?? '').includes('application/x-ndjson');
    const headers = {
      'Content-Type': nd ? 'application/x-ndjson' : 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    };
    return new Response(body(src, nd ? ndjson : sse, heartbeatMs, nd ? '' : 'retry: 3000\n\n'), { status: 200, headers }) as never;
  });

  return app;
}
