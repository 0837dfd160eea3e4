import { afterEach, describe, expect, it } from 'vitest';
import { EventBatch } from '@sonde/core-loader';
import { EventHub } from './events-hub.js';
import { eventsRoutes } from './routes/events.js';
import type { Job } from './store.js';
import { postJob, testApp, waitFor, waitStatus, type TestApp } from '../test/support/helpers.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.runner.close();
  t?.store.close();
  t = undefined;
});

interface SseMsg {
  id?: string;
  event: string;
  data: any;
}

/** Read a whole SSE body (bounded in time), parsed into messages; comments are kept as event ':'. */
async function readSse(res: Response, ms = 5000): Promise<SseMsg[]> {
  const text = await readAll(res, ms);
  const out: SseMsg[] = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    const m: SseMsg = { event: 'message', data: undefined };
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) m.event = ':';
      else if (line.startsWith('id: ')) m.id = line.slice(4);
      else if (line.startsWith('event: ')) m.event = line.slice(7);
      else if (line.startsWith('data: ')) m.data = JSON.parse(line.slice(6));
      else if (line.startsWith('retry: ')) m.event = 'retry';
    }
    out.push(m);
  }
  return out;
}

async function readAll(res: Response, ms = 5000): Promise<string> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = '';
  const until = Date.now() + ms;
  for (;;) {
    if (Date.now() > until) throw new Error(`stream did not end in ${ms} ms: ${text.slice(-300)}`);
    const { done, value } = await reader.read();
    if (done) return text;
    text += dec.decode(value, { stream: true });
  }
}

async function startFake(app: TestApp, params: Record<string, unknown>, durationMs = 100_000): Promise<Job> {
  const res = await postJob(app.app, { probe: 'fakeevents', durationMs, params });
  expect(res.status).toBe(202);
  return (await res.json()) as Job;
}

const events = (msgs: SseMsg[]) => msgs.filter((m) => m.event === 'event');

describe('GET /v1/jobs/{id}/events', () => {
  it('streams a running job live as SSE: ids are sequence numbers, events in order, then end', async () => {
    t = testApp({ timeScale: 1 });
    t.catalog.addFakeEvents();
    const job = await startFake(t, { count: 40, batch: 3, everyMs: 2 }, 300);
    const res = await t.app.request(`/v1/jobs/${job.id}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const msgs = await readSse(res);
    expect(msgs[0]!.event).toBe('retry');
    const evs = events(msgs);
    expect(evs.map((m) => m.id)).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
    expect(evs.map((m) => m.data.i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const end = msgs[msgs.length - 1]!;
    expect(end.event).toBe('end');
    expect(end.data).toMatchObject({ status: 'succeeded', stoppedBy: 'deadline', stats: { events: 40, truncated: false } });
    expect(msgs.filter((m) => m.event === 'lost')).toEqual([]);
  });

  it('gives a late subscriber the replay from the start, then live, without gaps or repeats', async () => {
    t = testApp();
    t.catalog.addFakeEvents();
    const job = await startFake(t, { count: 60, batch: 2, everyMs: 3 }, 400);
    await waitFor(() => (t!.runner as unknown as { jobs: Map<string, { emitted: unknown[] }> }).jobs.get(job.id)?.emitted.length! >= 20);
    const res = await t.app.request(`/v1/jobs/${job.id}/events`);
    const evs = events(await readSse(res));
    expect(evs.map((m) => m.data.i)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('answers NDJSON for Accept: application/x-ndjson, one object per line', async () => {
    t = testApp();
    t.catalog.addFakeEvents();
    const job = await startFake(t, { count: 12, batch: 5, everyMs: 1 }, 100);
    const res = await t.app.request(`/v1/jobs/${job.id}/events`, { headers: { accept: 'application/x-ndjson' } });
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const text = await readAll(res);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.slice(0, 12)).toEqual(
      Array.from({ length: 12 }, (_, i) => ({ type: 'event', seq: i, event: { i, pid: 1000 + (i % 5), comm: 'fake' } })),
    );
    expect(lines[12]).toMatchObject({ type: 'end', status: 'succeeded' });
    expect(lines).toHaveLength(13);
  });

  it('never blocks the job for a subscriber that does not read: its queue overflows into a lost notice', async () => {
    t = testApp({}, ':memory:', { queueEvents: 8 });
    t.catalog.addFakeEvents();
    const job = await startFake(t, { count: 200, batch: 10, everyMs: 1 }, 150);
    const res = await t.app.request(`/v1/jobs/${job.id}/events`, { headers: { accept: 'application/x-ndjson' } });
    // the job runs to its end while nobody reads the stream
    await waitStatus(t.store, job.id, 'succeeded');
    const lines = (await readAll(res)).trimEnd().split('\n').map((l) => JSON.parse(l));
    const lost = lines.filter((l) => l.type === 'lost');
    const got = lines.filter((l) => l.type === 'event');
    expect(lost.length).toBeGreaterThanOrEqual(1);
    expect(lost.every((l) => l.reason === 'slow-subscriber')).toBe(true);
    expect(got.length).toBeLessThanOrEqual(8);
    expect(got.length + lost.reduce((n, l) => n + l.count, 0)).toBe(200);
    // what it did get is the newest events, in order
    const seqs = got.map((l) => l.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(lines[lines.length - 1]).toMatchObject({ type: 'end', status: 'succeeded' });
  });

  it('streams a finished job from its stored result, resuming after Last-Event-ID', async () => {
    t = testApp({}, ':memory:', { graceMs: 0 });
    t.catalog.addFakeEvents();
    const job = await startFake(t, { count: 25, batch: 25, everyMs: 1 }, 100);
    await waitStatus(t.store, job.id, 'succeeded');
    await waitFor(() => !t!.events.has(job.id));
    const all = events(await readSse(await t.app.request(`/v1/jobs/${job.id}/events`)));
    expect(all.map((m) => m.data.i)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    const rest = await readSse(await t.app.request(`/v1/jobs/${job.id}/events`, { headers: { 'last-event-id': '19' } }));
    expect(events(rest).map((m) => m.id)).toEqual(['20', '21', '22', '23', '24']);
    expect(rest[rest.length - 1]).toMatchObject({ event: 'end', data: { status: 'succeeded' } });
  });

  it('says the replay was truncated past maxEvents, live and from the stored result', async () => {
    t = testApp({ maxEvents: 10 }, ':memory:', { maxEvents: 10, graceMs: 200 });
    t.catalog.addFakeEvents();
    const job = await startFake(t, { count: 30, batch: 30, everyMs: 1 }, 100);
    await waitStatus(t.store, job.id, 'succeeded');
    expect(t.events.has(job.id)).toBe(true); // within the grace period: from the hub
    for (const from of ['hub', 'store']) {
      if (from === 'store') await waitFor(() => !t!.events.has(job.id));
      const msgs = await readSse(await t.app.request(`/v1/jobs/${job.id}/events`));
      expect(events(msgs).map((m) => m.data.i), from).toEqual(Array.from({ length: 10 }, (_, i) => i));
      expect(msgs.filter((m) => m.event === 'lost').map((m) => m.data), from).toEqual([{ count: 20, reason: 'replay-truncated' }]);
      expect(msgs[msgs.length - 1]!.data.stats, from).toMatchObject({ events: 30, dropped: 20, truncated: true });
    }
  });

  it('ends with the final status when the job is stopped, and frees the channel after the grace', async () => {
    t = testApp({}, ':memory:', { graceMs: 20 });
    t.catalog.addFakeEvents();
    const job = await startFake(t, { count: 1000, batch: 1, everyMs: 5 }, 60_000);
    const res = await t.app.request(`/v1/jobs/${job.id}/events`);
    await waitFor(() => t!.events.subscribers(job.id) === 1);
    setTimeout(() => void t!.app.request(`/v1/jobs/${job.id}`, { method: 'DELETE' }), 40);
    const msgs = await readSse(res);
    expect(msgs[msgs.length - 1]).toMatchObject({ event: 'end', data: { status: 'stopped', stoppedBy: 'cancel' } });
    expect(events(msgs).length).toBeGreaterThan(0);
    await waitFor(() => t!.events.size() === 0);
  });

  it('sends heartbeat comments while nothing happens, and unsubscribes a reader that goes away', async () => {
    t = testApp();
    t.catalog.addFakeEvents();
    const job = await startFake(t, { count: 0 }, 60_000);
    const app = eventsRoutes({ catalog: t.catalog, runner: t.runner, store: t.store, events: t.events }, { heartbeatMs: 15 });
    const res = await app.request(`/v1/jobs/${job.id}/events`);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    while (!text.includes(': keep-alive')) text += dec.decode((await reader.read()).value);
    expect(t.events.subscribers(job.id)).toBe(1);
    await reader.cancel();
    expect(t.events.subscribers(job.id)).toBe(0);
  });

  it('404s for an unknown job as problem+json; the route is in the OpenAPI document', async () => {
    t = testApp();
    const res = await t.app.request('/v1/jobs/j_01JDQ7ZK3M6W8X9Y0A1B2C3D4E/events');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    const doc = (await (await t.app.request('/openapi.json')).json()) as any;
    const op = doc.paths['/v1/jobs/{id}/events'].get;
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream', 'application/x-ndjson']);
  });
});

describe('EventHub', () => {
  it('serialises each event once and shares it; a subscriber from the middle gets the rest', () => {
    const hub = new EventHub({ maxEvents: 100 });
    hub.publish('j', EventBatch.of([{ a: 1 }, { a: 2 }, { a: 3 }]));
    const s = hub.subscribe('j', 1);
    hub.publish('j', EventBatch.of([{ a: 4 }]));
    hub.end('j', { status: 'succeeded' });
    const items = [];
    for (let i = 0; i < 10; i++) {
      const it = s.poll();
      if (!it) break;
      items.push(it);
    }
    expect(items).toEqual([
      { type: 'event', seq: 1, json: '{"a":2}' },
      { type: 'event', seq: 2, json: '{"a":3}' },
      { type: 'event', seq: 3, json: '{"a":4}' },
      { type: 'end', end: { status: 'succeeded' } },
    ]);
  });

  it('decodes nothing while nobody listens, and replays raw batches across segments and the cap', () => {
    const hub = new EventHub({ maxEvents: 5 });
    const raw = (from: number, n: number) => {
      const buf = Buffer.alloc(8 * n);
      for (let i = 0; i < n; i++) {
        buf.writeUInt32LE(4, 8 * i);
        buf.writeUInt32LE(from + i, 8 * i + 4);
      }
      return EventBatch.records(buf, n, (s) => ({ n: s.readUInt32LE(0) }), () => {});
    };
    const batches = [raw(0, 3), raw(3, 3), raw(6, 2)];
    for (const b of batches) hub.publish('j', b);
    expect(batches.map((b) => b.isDecoded)).toEqual([false, false, false]);
    const s = hub.subscribe('j', 2);
    hub.end('j', { status: 'succeeded' });
    const items = [];
    for (let it = s.poll(); it; it = s.poll()) items.push(it);
    expect(items).toEqual([
      { type: 'event', seq: 2, json: '{"n":2}' },
      { type: 'event', seq: 3, json: '{"n":3}' },
      { type: 'event', seq: 4, json: '{"n":4}' },
      { type: 'lost', count: 3, reason: 'replay-truncated' },
      { type: 'end', end: { status: 'succeeded' } },
    ]);
    // the batch wholly past the cap was never decoded
    expect(batches[2]!.isDecoded).toBe(false);
  });

  it('gives subscribers events with their owners, in order, replayed and live; nobody listening decodes nothing', async () => {
    const asked: string[] = [];
    const owners = {
      resolveAsync: async (id: string | number | bigint) => {
        asked.push(String(id));
        await new Promise((r) => setTimeout(r, 5));
        return { cgroupId: String(id), cgroupPath: `/pods/${id}`, runtime: 'containerd' as const, pod: `p${id}` };
      },
    };
    const hub = new EventHub({ maxEvents: 100 });
    const early = EventBatch.of([{ cgroup: '7' }, { cgroup: '7' }]).ownersFrom(owners);
    hub.publish('j', early);
    expect(early.isDecoded).toBe(true); // EventBatch.of: already decoded, but not resolved
    expect(asked).toEqual([]);
    const s = hub.subscribe('j', 0);
    hub.publish('j', EventBatch.of([{ cgroup: '8' }]).ownersFrom(owners));
    hub.publish('j', EventBatch.of([{ cgroup: '7' }]).ownersFrom(owners));
    hub.end('j', { status: 'succeeded' });
    const items = [];
    for (let it = await s.next(1000); it; it = await s.next(1000)) items.push(it.type === 'event' ? JSON.parse(it.json).owner?.pod : it.type);
    expect(items).toEqual(['p7', 'p7', 'p8', 'p7', 'end']);
    expect(asked.sort()).toEqual(['7', '7', '8']); // once per distinct id per batch
  });
});
