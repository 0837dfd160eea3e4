/**
 * tcprtt against real loopback traffic with known ports: the histogram's counts sit where the
 * kernel's own RTT estimate (`ss -ti`) says, port filters really exclude other traffic, and
 * there are at least as many samples as echoes the clients received while attached.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog, runJobInline } from '@sonde/core-loader';
import type { Histogram, ResultEnvelope } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from './support/kernel.js';
import { echoServer, pingPong, ssRtt, type EchoServer } from './support/traffic.js';

interface RttData {
  unit: string;
  histograms: Array<{ key: string | null; hist: Histogram }>;
  total: Histogram;
  series?: Array<{ at: string; histograms: Array<{ key: string | null; hist: Histogram }> }>;
}

describeKernel('tcprtt on real traffic', () => {
  let catalog: Catalog;
  let a: EchoServer;
  let b: EchoServer;

  beforeAll(async () => {
    catalog = await Catalog.discover();
    a = await echoServer();
    b = await echoServer();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    expect(await programsLeft()).toEqual([]);
  });

  /** run a job while ping-pong traffic flows on both servers; traffic starts after attach */
  async function measure(params: Record<string, unknown>, durationMs = 1500) {
    let trafficA: Awaited<ReturnType<typeof pingPong>> | undefined;
    let trafficB: Awaited<ReturnType<typeof pingPong>> | undefined;
    let ss: ReturnType<typeof ssRtt> = [];
    let started!: Promise<void>;
    const job = runJobInline('tcprtt', params, {
      catalog,
      durationMs,
      onAttached: () => {
        started = (async () => {
          trafficA = await pingPong(a.port, { conns: 3, maxMs: durationMs - 400 });
          trafficB = await pingPong(b.port, { conns: 3, maxMs: durationMs - 400 });
          await new Promise((r) => setTimeout(r, durationMs - 700));
          ss = [...ssRtt(a.port), ...ssRtt(b.port)];
          await trafficA.stop();
          await trafficB.stop();
        })();
      },
    });
    const result = (await job) as ResultEnvelope<RttData>;
    await started;
    return { result, data: result.data!, roundsA: trafficA!.rounds, roundsB: trafficB!.rounds, ss };
  }

  it('puts the samples in the buckets ss -ti predicts and counts every echo', async () => {
    const { result, data, roundsA, ss } = await measure({ rport: [a.port] });
    expect(result.stoppedBy).toBe('deadline');
    expect(result.variant).toBe('tp_btf');
    expect(roundsA).toBeGreaterThan(100);
    // each echo the client received is a segment through tcp_rcv_established on a socket with rport=a
    expect(data.total.count).toBeGreaterThanOrEqual(roundsA);
    const clientSide = ss.filter((c) => c.rport === a.port);
    expect(clientSide.length).toBe(3);
    const srtt = clientSide.map((c) => c.srttUs).sort((x, y) => x - y);
    const lo = Math.max(0, srtt[0]! / 8);
    const hi = srtt[srtt.length - 1]! * 8;
    const inRange = data.total.buckets.filter((k) => k.hi >= lo && k.lo <= hi).reduce((s, k) => s + k.count, 0);
    // the smoothed RTT moves, but nearly all samples lie within 8x of what ss reports at the end
    expect(inRange / data.total.count).toBeGreaterThan(0.9);
    expect(data.total.p50!.lo).toBeLessThanOrEqual(data.total.p50!.value);
    expect(data.total.p50!.value).toBeLessThanOrEqual(data.total.p50!.hi);
    expect(data.total.min!).toBeLessThanOrEqual(data.total.max!);
  });

  it('excludes traffic outside the port filter', async () => {
    const unused = b.port + 1 === a.port ? b.port + 2 : b.port + 1;
    const none = await measure({ rport: [unused] }, 1200);
    expect(none.roundsA + none.roundsB).toBeGreaterThan(100);
    expect(none.data.total.count).toBe(0);
    const onlyB = await measure({ lport: [b.port] }, 1200);
    // server side of b: lport = b.port; it receives one request per round
    expect(onlyB.data.total.count).toBeGreaterThanOrEqual(onlyB.roundsB);
    expect(onlyB.data.total.count).toBeLessThan(onlyB.roundsB * 3 + onlyB.roundsA);
  });

  it('keeps one histogram per remote address and an interval series', async () => {
    const { data } = await measure({ rport: [a.port], by: 'raddr', intervalMs: 300 }, 1500);
    expect(data.histograms.map((h) => h.key)).toEqual(['127.0.0.1']);
    expect(data.series!.length).toBeGreaterThanOrEqual(3);
    const seriesTotal = data.series!.reduce((s, e) => s + e.histograms.reduce((t, h) => t + h.hist.count, 0), 0);
    expect(seriesTotal).toBeLessThanOrEqual(data.total.count);
    expect(seriesTotal).toBeGreaterThan(0);
  });

  it('reports in milliseconds when asked', async () => {
    const { data } = await measure({ rport: [a.port], units: 'ms' }, 1000);
    expect(data.unit).toBe('msecs');
    // loopback RTT is far below 1 ms: every sample lands in bucket 0
    expect(data.total.buckets[0]!.count).toBe(data.total.count);
  });
});
