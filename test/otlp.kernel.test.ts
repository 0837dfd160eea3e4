/**
 * OTLP export for real: the built server (SONDE_OTLP_ENDPOINT) runs tcprtt and tcpconnect jobs over
 * loopback traffic the test makes and exports each result to an OTLP/HTTP receiver in this process,
 * which decodes the protobuf with the official opentelemetry-proto schema. What the receiver got must
 * be the result's numbers: bucket bounds and counts, sums, one log record per event with its fields.
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  attrs,
  logsOf,
  metricsOf,
  startReceiver,
  type Receiver,
} from '../packages/control-api/test/support/otlp-receiver.js';
import { describeKernel, programsLeft } from './support/kernel.js';
import { json, postJson, startServer, waitJob, type Server } from './support/server.js';
import { closedPort, echoServer, pingPong, type EchoServer } from './support/traffic.js';

type Any = any;

/** connect once; resolves with the local port, or null when refused */
function connectOnce(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      const lport = s.localPort!;
      s.end();
      resolve(lport);
    });
    s.once('error', () => resolve(null));
  });
}

async function exported(server: Server, id: string): Promise<Any> {
  const until = Date.now() + 15_000;
  for (;;) {
    const job = await json(await fetch(`${server.url}/v1/jobs/${id}`));
    const st = job.result?.export?.otlp?.status;
    if (st && st !== 'pending') return job;
    if (Date.now() > until) throw new Error(`export of ${id} still ${st}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeKernel('OTLP export of real jobs', () => {
  let server: Server;
  let echo: EchoServer;
  let rx: Receiver;

  beforeAll(async () => {
    rx = await startReceiver();
    echo = await echoServer();
    server = await startServer({ env: { SONDE_OTLP_ENDPOINT: rx.url } });
  });
  afterAll(async () => {
    await echo?.close();
    await server?.stop();
    await rx?.close();
    expect(await programsLeft(2000)).toEqual([]);
  });

  it('tcprtt: the receiver gets the histogram per remote address with the bucket bounds and counts of the result', async () => {
    const job = await json(await postJson(server.url, { probe: 'tcprtt', durationMs: 1500, params: { rport: echo.port, by: 'raddr' }, export: { otlp: true } }));
    await waitJob(server.url, job.id, ['running']);
    const traffic = await pingPong(echo.port, { conns: 2, maxMs: 800 });
    await traffic.stop();
    const done = await waitJob(server.url, job.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    const got = await exported(server, job.id);
    const out = got.result.export.otlp;
    expect(out).toMatchObject({ destination: 'default', status: 'ok', attempts: 1, logRecords: 0 });

    const mine = metricsOf(rx.received).filter((m) => m.resource['sonde.job.id'] === job.id);
    expect(mine.reduce((n, m) => n + (m.metric.histogram ?? m.metric.sum ?? m.metric.gauge).dataPoints.length, 0)).toBe(out.metricPoints);
    const rtt = mine.find((m) => m.metric.name === 'sonde.tcprtt.rtt')!;
    expect(rtt.resource).toMatchObject({
      'service.name': 'sonde',
      'host.name': done.result.host.hostname,
      'os.version': done.result.host.kernel,
      'sonde.probe.name': 'tcprtt',
      'sonde.probe.version': done.result.probeVersion,
      'sonde.probe.variant': done.result.variant,
    });
    expect(rtt.metric.unit).toBe('us');
    const keyed = done.result.data.histograms as Array<{ key: string; hist: Any }>;
    expect(keyed.length).toBeGreaterThan(0);
    expect(keyed[0]!.hist.count).toBeGreaterThanOrEqual(traffic.rounds);
    const points = rtt.metric.histogram.dataPoints as Any[];
    expect(points.map((p) => attrs(p.attributes)['network.peer.address'])).toEqual(keyed.map((k) => k.key));
    points.forEach((p, i) => {
      const h = keyed[i]!.hist;
      expect(p.explicitBounds).toEqual(h.buckets.slice(0, -1).map((b: Any) => b.hi));
      expect(p.bucketCounts).toEqual(h.buckets.map((b: Any) => b.count));
      expect([p.count, p.sum, p.min, p.max]).toEqual([h.count, h.sum, h.min, h.max]);
      expect(p.startTimeUnixNano).toBe(Date.parse(done.result.startedAt) * 1e6);
    });
  });

  it('tcpconnect: sums equal the totals and outcomes, one log record per connect event with its fields', async () => {
    const closed = await closedPort();
    const job = await json(
      await postJson(server.url, { probe: 'tcpconnect', durationMs: 1500, params: { rport: [echo.port, closed] }, export: { otlp: 'default' } }),
    );
    await waitJob(server.url, job.id, ['running']);
    const results: Array<number | null> = [];
    for (let i = 0; i < 6; i++) results.push(await connectOnce(i % 3 === 2 ? closed : echo.port));
    const done = await waitJob(server.url, job.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    const data = done.result.data;
    expect(data.totals).toEqual({ connects: 6, failed: 2 });
    const got = await exported(server, job.id);
    const out = got.result.export.otlp;
    expect(out).toMatchObject({ status: 'ok', attempts: 2, logRecords: data.events.length });

    const mine = metricsOf(rx.received).filter((m) => m.resource['sonde.job.id'] === job.id);
    const sum = (name: string) => mine.find((m) => m.metric.name === name)!.metric.sum;
    expect(sum('sonde.tcpconnect.totals.connects').dataPoints[0].asInt).toBe(data.totals.connects);
    expect(sum('sonde.tcpconnect.totals.failed').dataPoints[0].asInt).toBe(data.totals.failed);
    expect(sum('sonde.tcpconnect.totals.connects')).toMatchObject({ isMonotonic: true, aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA' });
    const outcomes = Object.fromEntries(sum('sonde.tcpconnect.outcomes').dataPoints.map((p: Any) => [attrs(p.attributes)['sonde.outcome'], p.asInt]));
    expect(outcomes).toEqual(data.outcomes);

    const logs = logsOf(rx.received).filter((l) => l.resource['sonde.job.id'] === job.id);
    expect(logs).toHaveLength(data.events.length);
    logs.forEach((l, i) => {
      const ev = data.events[i];
      const a = attrs(l.record.attributes);
      expect(a).toMatchObject({
        'network.transport': 'tcp',
        'network.type': 'ipv4',
        'network.peer.address': ev.raddr,
        'network.peer.port': ev.rport,
        'network.local.address': ev.laddr,
        'network.local.port': ev.lport,
        'process.pid': ev.pid,
        'process.executable.name': ev.comm,
        'sonde.outcome': ev.outcome,
      });
      expect(l.record.timeUnixNano).toBe(Date.parse(ev.time) * 1e6);
      expect(l.record.severityNumber).toBe(ev.outcome === 'established' ? 'SEVERITY_NUMBER_INFO' : 'SEVERITY_NUMBER_WARN');
      // the body: the summary tcpconnect declares (who, the flow, the outcome)
      const head = `tcpconnect ${ev.comm} ${ev.laddr}:${ev.lport} > ${ev.raddr}:${ev.rport} ${ev.outcome}`;
      expect(l.record.body.stringValue === head || l.record.body.stringValue.startsWith(`${head} `), l.record.body.stringValue).toBe(true);
    });
    // the connects the test made, as the receiver saw them
    const seen = logs.map((l) => attrs(l.record.attributes)).filter((a) => a['process.pid'] === process.pid);
    expect(seen.map((a) => a['sonde.outcome'])).toEqual(results.map((r) => (r === null ? 'refused' : 'established')));
    expect(seen.filter((a) => a['sonde.outcome'] === 'established').map((a) => a['network.local.port'])).toEqual(results.filter((r) => r !== null));
    console.log(`otlp export: ${out.metricPoints} metric points, ${out.logRecords} log records, ${out.attempts} requests, ${out.tookMs} ms`);
  });
});
