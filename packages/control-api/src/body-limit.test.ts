/**
 * The body limit over a real socket: clients that write a whole over-limit body before reading get
 * their 413 (Python's urllib, a chunked Node client), bodies past the drain bound get a 413 and a
 * closed connection, and a slow over-limit sender does not hold up anyone else.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { serve, type ServerType } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAPIHono } from '@hono/zod-openapi';
import { limitBody, MAX_BODY_BYTES } from './body-limit.js';
import { testApp, type TestApp } from '../test/support/helpers.js';

const run = promisify(execFile);

let server: ServerType | undefined;
let t: TestApp | undefined;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
  t?.store.close();
  t = undefined;
});

function listen(fetch: Parameters<typeof serve>[0]['fetch']): Promise<number> {
  return new Promise((resolve) => {
    server = serve({ fetch, hostname: '127.0.0.1', port: 0 }, (info) => resolve(info.port));
  });
}

/** POST a valid job request padded with whitespace to about `bytes`, with Python's urllib, which writes it all before reading */
async function urllibPost(port: number, bytes: number): Promise<{ status: number; body: string }> {
  const py = [
    'import sys, urllib.request, urllib.error',
    'body = (\'{"probe": "tcprtt"\' + " " * int(sys.argv[2]) + "}").encode()',
    'req = urllib.request.Request(sys.argv[1], data=body, headers={"Content-Type": "application/json"}, method="POST")',
    'try:',
    '    r = urllib.request.urlopen(req, timeout=20); print(r.status); print(r.read().decode())',
    'except urllib.error.HTTPError as e:',
    '    print(e.code); print(e.read().decode())',
  ].join('\n');
  const { stdout } = await run('python3', ['-c', py, `http://127.0.0.1:${port}/v1/jobs`, String(bytes)], { timeout: 30_000 });
  const [status, ...rest] = stdout.split('\n');
  return { status: Number(status), body: rest.join('\n') };
}

/** a chunked POST (no Content-Length) written in full, then the answer read */
function chunkedPost(port: number, chunks: number, chunkBytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/jobs', headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(chunkBytes, 0x78);
    const write = (i: number): void => {
      if (i === chunks) return void req.end();
      if (req.write(chunk)) write(i + 1);
      else req.once('drain', () => write(i + 1));
    };
    write(0);
  });
}

/** raw HTTP/1.1: send headers and `bodyBytes` at `bytesPerTick` every 50 ms; resolve with what came back */
function trickle(port: number, declared: number, bytesPerTick: number): { socket: Socket; reply: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.write(`POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`);
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || sent >= declared) return clearInterval(timer);
    const n = Math.min(bytesPerTick, declared - sent);
    sent += n;
    socket.write(Buffer.alloc(n, 0x78));
  }, 50);
  const reply = new Promise<string>((resolve) => {
    let got = '';
    socket.on('data', (d) => (got += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve(got);
    });
  });
  return { socket, reply };
}

describe('413 for a client that writes the whole body first', () => {
  it("urllib gets the 413 problem for bodies from just over the limit to megabytes, and an in-limit body still works", async () => {
    t = testApp();
    const port = await listen(t.app.fetch);
    for (const bytes of [MAX_BODY_BYTES + 1, 1 << 20, 8 << 20]) {
      const res = await urllibPost(port, bytes);
      expect(res.status, `${bytes} bytes`).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ status: 413, type: expect.stringMatching(/payload-too-large$/) });
    }
    const ok = await urllibPost(port, 100);
    expect(ok.status).toBe(202);
    expect(t.runner.started).toHaveLength(1);
  });

  it('a chunked body without Content-Length gets its 413 after being written in full', async () => {
    t = testApp();
    const port = await listen(t.app.fetch);
    const res = await chunkedPost(port, 64, 64 * 1024); // 4 MiB
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ status: 413 });
    expect(t.runner.started).toEqual([]);
  });

  it('past the drain bound the 413 comes at once with Connection: close, and the server keeps serving', async () => {
    t = testApp();
    const port = await listen(t.app.fetch);
    const { socket, reply } = trickle(port, 64 << 20, 0); // declares 64 MiB, sends none
    const text = await reply;
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    socket.destroy();
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
  });

  it('a slow over-limit sender is cut off after the drain time, and others are answered meanwhile', async () => {
    const app = new OpenAPIHono();
    app.post('/v1/jobs', limitBody({ maxBytes: 1024, drainBytes: 1 << 20, drainMs: 1500 }), (c) => c.text('accepted', 202));
    app.get('/healthz', (c) => c.text('ok'));
    app.onError((err, c) => c.text(err.message, (err as { status?: 413 }).status ?? 500));
    const port = await listen(app.fetch);
    const slow = trickle(port, 512 * 1024, 2048); // 40 KiB/s: needs ~13 s, the bound is 1.5 s
    let sawMidDrain = false;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await res.text()).toBe('ok');
      sawMidDrain ||= !slow.socket.destroyed;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(sawMidDrain).toBe(true);
    const text = await slow.reply;
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
  });
});
