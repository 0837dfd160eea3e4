/**
 * tcprtt against real loopback traffic with known ports: the histogram's counts sit where the
 * kernel's own RTT estimate (`ss -ti`) says, port filters really exclude other traffic, and
 * there are at least as many samples as echoes the clients received while attached.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog, runJobInline } from '@sonde/core-loader';
import type { Histogram, ResultEnvelope } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from '../../../test/support/kernel.js';
import { runWhile } from '../../../test/support/job-while.js';
import { echoServer, pingPong, ssRtt, type EchoServer } from '../../../test/support/traffic.js';
import { netnsPair } from '../../../test/support/netns.js';
import { expectAgrees } from '../../../test/support/nstat.js';
import { countedRoundTrips } from '../../../test/support/round-trips.js';

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

  /**
   * A job while ping-pong traffic makes `rounds` round trips per connection on both servers (3 each),
   * lasting at least `minMs`; the job ends when the traffic does (runWhile), so a slow kernel sees all
   * of it. `ss -ti` is read at the end of the traffic, before the sockets close.
   */
  async function measure(params: Record<string, unknown>, { rounds = 150, minMs = 0 } = {}) {
    let ss: ReturnType<typeof ssRtt> = [];
    const { result, traffic } = await runWhile<RttData, { roundsA: number; roundsB: number }>(
      'tcprtt',
      params,
      async () => {
        const t0 = Date.now();
        const A = await pingPong(a.port, { conns: 3, maxRounds: rounds });
        const B = await pingPong(b.port, { conns: 3, maxRounds: rounds });
        await Promise.all([A.done, B.done]);
        ss = [...ssRtt(a.port), ...ssRtt(b.port)];
        await A.stop();
        await B.stop();
        await new Promise((r) => setTimeout(r, Math.max(0, minMs - (Date.now() - t0))));
        return { roundsA: A.rounds, roundsB: B.rounds };
      },
      { catalog },
    );
    return { result, data: result.data!, ...traffic, ss };
  }

  it('puts the samples in the buckets ss -ti predicts and counts every echo', async () => {
    const { result, data, roundsA, ss } = await measure({ rport: [a.port] });
    expect(result.stoppedBy).toBe('cancel');
    expect(result.variant).toBe(catalog.get('tcprtt')!.variant);
    expect(roundsA).toBe(3 * 150);
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
    const none = await measure({ rport: [unused] });
    expect(none.roundsA + none.roundsB).toBe(2 * 3 * 150);
    expect(none.data.total.count).toBe(0);
    const onlyB = await measure({ lport: [b.port] });
    // server side of b: lport = b.port; it receives one request per round
    expect(onlyB.data.total.count).toBeGreaterThanOrEqual(onlyB.roundsB);
    expect(onlyB.data.total.count).toBeLessThan(onlyB.roundsB * 3 + onlyB.roundsA);
  });

  it('keeps one histogram per remote address and an interval series', async () => {
    const intervalMs = 300;
    const { data } = await measure({ rport: [a.port], by: 'raddr', intervalMs }, { minMs: 4 * intervalMs });
    expect(data.histograms.map((h) => h.key)).toEqual(['127.0.0.1']);
    // at least 4 intervals of traffic: 4 full ones or more (a slow machine's are longer), then the rest
    const at = data.series!.map((e) => Date.parse(e.at));
    expect(at.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < at.length - 1; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(intervalMs - 5);
    // deltas of the kernel's cumulative counts: the series adds up to the total, nothing lost between reads
    const seriesTotal = data.series!.reduce((s, e) => s + e.histograms.reduce((t, h) => t + h.hist.count, 0), 0);
    expect(seriesTotal).toBe(data.total.count);
  });

  it('reports in milliseconds when asked: the samples a microsecond job saw, divided by 1000', async () => {
    // two jobs on the same traffic, attached before it starts and stopped after it ends: they see the
    // same segments, so the ms histogram must be the us one rescaled (not "all below 1 ms", which a
    // slow machine or a loaded host breaks)
    const stop = new AbortController();
    let attached = 0;
    let bothAttached!: () => void;
    const ready = new Promise<void>((r) => (bothAttached = r));
    const job = (units: string) =>
      runJobInline('tcprtt', { rport: [a.port], units }, { catalog, durationMs: 60_000, signal: stop.signal, onAttached: () => ++attached === 2 && bothAttached() });
    const jobs = Promise.all([job('us'), job('ms')]);
    await ready;
    const traffic = await pingPong(a.port, { conns: 3, maxRounds: 100 });
    await traffic.done;
    await new Promise((r) => setTimeout(r, 200));
    stop.abort();
    const [us, ms] = ((await jobs) as ResultEnvelope<RttData>[]).map((r) => r.data!) as [RttData, RttData];
    expect(us.unit).toBe('usecs');
    expect(ms.unit).toBe('msecs');
    expect(traffic.rounds).toBe(300);
    expect(us.total.count).toBeGreaterThanOrEqual(traffic.rounds);
    expect(ms.total.count).toBe(us.total.count);
    // each ms bucket [lo, hi] holds the us samples in [lo*1000, (hi+1)*1000): at least the us buckets
    // wholly inside that range, at most those that overlap it
    for (const b of ms.total.buckets) {
      const from = b.lo * 1000, to = (b.hi + 1) * 1000 - 1;
      const inside = us.total.buckets.filter((u) => u.lo >= from && u.hi <= to).reduce((n, u) => n + u.count, 0);
      const overlap = us.total.buckets.filter((u) => u.hi >= from && u.lo <= to).reduce((n, u) => n + u.count, 0);
      expect(b.count, `ms bucket ${b.lo}..${b.hi}`).toBeGreaterThanOrEqual(inside);
      expect(b.count, `ms bucket ${b.lo}..${b.hi}`).toBeLessThanOrEqual(overlap);
    }
  });

  it('checked against the kernel: samples = Tcp.InSegs over established round trips in a test namespace (netns filter)', async () => {
    const kn = netnsPair('skrt');
    try {
      const { result, data, delta, moved } = await countedRoundTrips<RttData>(catalog, 'tcprtt', { netns: kn.inoA }, kn.a, { conns: 3, rounds: 40, size: 100 });
      const inSegs = delta('TcpInSegs');
      console.log(`tcprtt ${result.variant}: TcpInSegs +${inSegs}, samples ${data.total.count}; moved ${JSON.stringify(moved)}`);
      // each round trip: a segment each way, the last one's delayed ACK besides; all in ESTABLISHED
      expect(inSegs).toBeGreaterThanOrEqual(2 * 3 * 40);
      expect(data.total.count).toBe(inSegs);
      expectAgrees(result, 'Tcp.InSegs', inSegs, inSegs);
    } finally {
      kn.destroy();
    }
  });
});
