/**
 * The live event stream over real HTTP with a real event probe: tcpstates on a port the test chose,
 * connections the test makes, read as SSE while the job runs and as NDJSON (replay from the stored
 * result) after it ended.
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from './support/kernel.js';
import { json, postJson, startServerAndEcho, stopServerAndEcho, waitJob, type Server } from './support/server.js';
import type { EchoServer } from './support/traffic.js';

async function connectClose(port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => s.end());
      s.on('close', () => resolve());
      s.on('error', reject);
    });
  }
}

/** read an SSE body until `end` (bounded), parsed into {event, id, data} */
async function readSse(res: Response, ms: number) {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = '';
  const until = Date.now() + ms;
  while (!text.includes('event: end') && Date.now() < until) {
    const { done, value } = await Promise.race([
      reader.read(),
      new Promise<{ done: true; value: undefined }>((r) => setTimeout(() => r({ done: true, value: undefined }), Math.max(1, until - Date.now()))),
    ]);
    if (done) break;
    text += dec.decode(value, { stream: true });
  }
  await reader.cancel().catch(() => {});
  return text
    .split('\n\n')
    .filter((b) => b.includes('event: '))
    .map((b) => {
      const get = (k: string) => b.split('\n').find((l) => l.startsWith(`${k}: `))?.slice(k.length + 2);
      return { event: get('event'), id: get('id'), data: JSON.parse(get('data') ?? 'null') };
    });
}

describeKernel('live event stream over HTTP (tcpstates)', () => {
  let server: Server;
  let echo: EchoServer;

  beforeAll(async () => ({ server, echo } = await startServerAndEcho()));
  afterAll(() => stopServerAndEcho(server, echo, ['tcpstates', 'sonde']));

  it('streams events live as SSE, in order, ending with the final status; NDJSON replays them afterwards', async () => {
    const res = await postJson(server.url, { probe: 'tcpstates', durationMs: 60_000, params: { lport: echo.port } });
    expect(res.status).toBe(202);
    const job = await json(res);
    await waitJob(server.url, job.id, ['running']);
    const stream = await fetch(`${server.url}/v1/jobs/${job.id}/events`);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reading = readSse(stream, 15_000);
    await connectClose(echo.port, 5);
    await new Promise((r) => setTimeout(r, 300));
    await fetch(`${server.url}/v1/jobs/${job.id}`, { method: 'DELETE' });
    const msgs = await reading;
    const events = msgs.filter((m) => m.event === 'event');
    expect(events.length).toBeGreaterThanOrEqual(5);
    // ids are the sequence numbers 0..n-1, in order
    expect(events.map((m) => Number(m.id))).toEqual(events.map((_, i) => i));
    expect(events.every((m) => m.data.lport === echo.port)).toBe(true);
    expect(events.some((m) => m.data.newstate === 'ESTABLISHED' || m.data.newstate === 'SYN_RECV')).toBe(true);
    const end = msgs[msgs.length - 1]!;
    expect(end.event).toBe('end');
    expect(end.data).toMatchObject({ status: 'stopped', stoppedBy: 'cancel' });
    expect(msgs.filter((m) => m.event === 'lost')).toEqual([]);

    const done = await waitJob(server.url, job.id, ['stopped']);
    const nd = await fetch(`${server.url}/v1/jobs/${job.id}/events`, { headers: { accept: 'application/x-ndjson' } });
    const lines = (await nd.text()).trimEnd().split('\n').map((l) => JSON.parse(l));
    const stored = lines.filter((l) => l.type === 'event');
    expect(stored.length).toBe(done.result.data.events.length);
    expect(stored.map((l) => l.event)).toEqual(done.result.data.events);
    // what the live reader saw is what the result kept
    expect(events.map((m) => m.data)).toEqual(done.result.data.events.slice(0, events.length));
    expect(lines[lines.length - 1]).toMatchObject({ type: 'end', status: 'stopped' });
  });
});
