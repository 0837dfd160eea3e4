/**
 * Every probe's real result matches its output declaration: each probe runs briefly on loopback
 * traffic (echoed round trips, connects to a closed port), with its default params and with the params
 * that change its output's shape (grouping, intervals, count mode), and no field of `data` is left
 * undeclared (probe-sdk shapeProblems) — a new field cannot ship without saying what it is.
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { shapeProblems, type OutputShape } from '@sonde/probe-sdk';
import { TestRunner } from './support/job-runner.js';
import { describeKernel, probeNames } from './support/kernel.js';
import { closedPort, echoServer, pingPong, type EchoServer } from './support/traffic.js';

/** params that change a probe's output shape, beside its defaults */
const VARIANTS: Record<string, Array<Record<string, unknown>>> = {
  tcprtt: [{ by: 'laddr', intervalMs: 200 }],
  tcpconnect: [{ count: true }],
  tcpretrans: [{ count: true }],
  tcptop: [{ intervalMs: 200 }],
  tcpports: [{ intervalMs: 200 }],
  tcpsynbl: [{ intervalMs: 200 }],
  tcpsubnet: [{ subnets: ['127.0.0.0/8', '10.0.0.0/8'], intervalMs: 200 }],
};

async function refusedConnects(port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await new Promise<void>((r) => net.connect({ port, host: '127.0.0.1' }).once('error', () => r()).once('connect', function (this: net.Socket) { this.destroy(); r(); }));
  }
}

describeKernel("real results match their probe's output declaration", () => {
  const h = TestRunner.use(1);
  let echo: EchoServer;
  let closed: number;
  beforeAll(async () => {
    echo = await echoServer();
    closed = await closedPort();
  });
  afterAll(() => echo?.close());

  const runs = probeNames().flatMap((probe) => [{}, ...(VARIANTS[probe] ?? [])].map((params) => ({ probe, params })));
  it.each(runs)('$probe $params', async ({ probe, params }) => {
    const info = h.t.catalog.get(probe);
    expect(info?.shape, `${probe} declares its output's shape`).toBeDefined();
    if (!info?.available) return console.log(`${probe}: unavailable here (${info?.reason}); its declaration is checked by the catalogue test`);
    const id = `${probe}-${Object.keys(params).join('-') || 'defaults'}`;
    const done = h.t.start(id, probe, params, 900);
    await h.t.until(() => h.t.attached.has(id), 10_000);
    const traffic = await pingPong(echo.port, { conns: 3, maxMs: 600 });
    await refusedConnects(closed, 3);
    await traffic.done;
    await traffic.stop();
    const { result } = await done;
    expect(result.error).toBeUndefined();
    expect(result.shape).toEqual(info.shape);
    expect(shapeProblems(result.shape as OutputShape, result.data)).toEqual([]);
  });
});
