import net from 'node:net';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { afterEach, describe, expect, it } from 'vitest';
import { log2Histogram, mergeHistograms, outputShape, type ResultEnvelope } from '@sonde/probe-sdk';
import tcpconnect from '@sonde/probes-tcpconnect';
import tcpretrans from '@sonde/probes-tcpretrans';
import tcprtt from '@sonde/probes-tcprtt';
import { createApp } from '../app.js';
import { ConfigError, loadConfig } from '../config.js';
import { jobHooks } from '../hooks.js';
import { JobStore } from '../store.js';
import { FakeCatalog, FakeRunner } from '../../test/support/fakes.js';
import { postJob, testApp, waitFor, waitStatus, type TestApp } from '../../test/support/helpers.js';
import type { OtlpConfig, OtlpDestination } from './config.js';
import type { OtlpExportOutcome } from './exporter.js';
import { toOtlp } from './map.js';
import { attrs, decodeOtlp, logsOf, metricsOf, startReceiver, type Receiver } from '../../test/support/otlp-receiver.js';

const dest = (endpoint: string, extra: Partial<OtlpDestination> = {}): OtlpDestination => ({
  name: 'lab',
  endpoint,
  headers: {},
  timeoutMs: 1000,
  default: true,
  ...extra,
});

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** The parts of the API's answers these tests read: a created job's id, a finished job's export record. */
type Created = { id: string };
type JobWithExport = { result: { export: { otlp: OtlpExportOutcome } } };

const exportOf = (t: TestApp, id: string) => (t.store.get(id)?.result as (ResultEnvelope & { export?: { otlp: OtlpExportOutcome } }) | null)?.export?.otlp;

let open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of open) await o.close();
  open = [];
});

function app(cfg: OtlpConfig, opts: Parameters<typeof testApp>[0] = {}, deadlineMs?: number): TestApp {
  const t = testApp(opts, ':memory:', {}, cfg, deadlineMs ? { deadlineMs } : {});
  open.push(t.store);
  return t;
}

async function receiver(mode?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(mode);
  open.push(r);
  return r;
}

describe('OTLP destinations in the server configuration', () => {
  const file = (o: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'sonde-otlp-'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify(o));
    return join(dir, 'c.json');
  };
  const problems = (env: NodeJS.ProcessEnv) => {
    try {
      loadConfig(env);
    } catch (e) {
      return (e as ConfigError).problems;
    }
    return [];
  };

  it('reads named destinations from SONDE_CONFIG and one "default" from SONDE_OTLP_ENDPOINT', () => {
    const cfg = loadConfig({
      SONDE_CONFIG: file({ otlp: { destinations: [{ name: 'lab', endpoint: 'http://collector:4318', headers: { 'x-api-key': 'k-123' }, timeoutMs: 500 }] } }),
      SONDE_OTLP_ENDPOINT: 'https://otel.example:4318/base',
      SONDE_OTLP_HEADERS: 'authorization=Bearer%20abc',
    });
    expect(cfg.otlp.destinations).toEqual([
      { name: 'default', endpoint: 'https://otel.example:4318/base', headers: { authorization: 'Bearer abc' }, timeoutMs: 3000, default: true },
      { name: 'lab', endpoint: 'http://collector:4318', headers: { 'x-api-key': 'k-123' }, timeoutMs: 500, default: false },
    ]);
  });

  it('GET /v1/config lists the destination names, never endpoints or headers', async () => {
    const config = loadConfig({ SONDE_OTLP_ENDPOINT: 'http://collector.internal:4318', SONDE_OTLP_HEADERS: 'x-api-key=s3cr3t-value' });
    const store = new JobStore(':memory:');
    open.push(store);
    const a = createApp({ catalog: new FakeCatalog(), runner: new FakeRunner({ hooks: jobHooks(store) }), store, config });
    const text = await (await a.request('/v1/config')).text();
    expect(JSON.parse(text).otlp).toEqual({ destinations: [{ name: 'default', default: true, timeoutMs: 3000 }] });
    expect(text).not.toMatch(/s3cr3t|collector\.internal|x-api-key/);
  });

  it('refuses bad destinations with clear problems and never echoes header values', () => {
    const p = problems({
      SONDE_CONFIG: file({
        otlp: {
          destinations: [
            { name: 'a', endpoint: 'ftp://x', default: true },
            { name: 'a', endpoint: 'http://y:4318', default: true, headers: { 'bad header': 'secret-value' } },
          ],
        },
      }),
    });
    expect(p.join('\n')).toMatch(/otlp\.destinations\.0\.endpoint: an http\(s\) base URL/);
    expect(p.join('\n')).toMatch(/otlp\.destinations\.1\.headers/);
    expect(p.join('\n')).not.toMatch(/secret-value/);
    const p2 = problems({ SONDE_CONFIG: file({ otlp: { destinations: [{ name: 'a', endpoint: 'http://x', default: true }, { name: 'a', endpoint: 'http://y', default: true }] } }) });
    expect(p2).toEqual(["otlp.destinations: the name 'a' is used twice", 'otlp.destinations: more than one default (a, a)']);
    expect(problems({ SONDE_OTLP_ENDPOINT: 'collector:4318' })).toEqual([
      'SONDE_OTLP_ENDPOINT: an http(s) base URL without query or fragment, e.g. http://collector:4318',
    ]);
    expect(problems({ SONDE_OTLP_HEADERS: 'a=b' })).toEqual(['SONDE_OTLP_HEADERS is set without SONDE_OTLP_ENDPOINT']);
  });
});

describe('export in a job request', () => {
  it('is refused when the server has no destinations, or names an unknown one (naming the known)', async () => {
    const none = app({ destinations: [] });
    const r1 = await postJob(none.app, { probe: 'tcprtt', durationMs: 100, export: { otlp: true } });
    expect(r1.status).toBe(400);
    expect(await r1.json()).toMatchObject({ type: 'https://sonde.dev/problems/bad-params', errors: [{ field: 'export.otlp' }], destinations: [] });

    const two = app({ destinations: [dest('http://127.0.0.1:1', { name: 'a', default: false }), dest('http://127.0.0.1:1', { name: 'b', default: false })] });
    const r2 = await postJob(two.app, { probe: 'tcprtt', durationMs: 100, export: { otlp: 'c' } });
    expect(r2.status).toBe(400);
    const body = (await r2.json()) as { detail: string; destinations: string[] };
    expect(body.detail).toBe("export.otlp: unknown destination 'c': this server knows 'a', 'b'");
    expect(body.destinations).toEqual(['a', 'b']);
    const r3 = await postJob(two.app, { probe: 'tcprtt', durationMs: 100, export: { otlp: true } });
    expect(((await r3.json()) as { detail: string }).detail).toMatch(/no default destination on this server: name one of 'a', 'b'/);
    // never a URL: the field takes a name or true
    const r4 = await postJob(two.app, { probe: 'tcprtt', durationMs: 100, export: { otlp: 'a', url: 'http://evil:4318' } });
    expect(r4.status).toBe(400);
    expect(two.runner.started).toHaveLength(0);
  });
});

describe('export of a finished job to a real OTLP/HTTP receiver', () => {
  it('sends the histogram with explicit bounds from the log2 buckets, and records the outcome', async () => {
    const rx = await receiver();
    const t = app({ destinations: [dest(rx.url, { headers: { 'x-sonde-key': 'k1' } })] });
    const res = await postJob(t.app, { probe: 'tcprtt', durationMs: 100, export: { otlp: 'lab' } });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Created;
    const job = await waitStatus(t.store, id, 'succeeded');
    const outcome = await waitFor(() => exportOf(t, id)?.status === 'ok' && exportOf(t, id), 5000);
    const h = (job.result!.data as { buckets: Array<{ lo: number; hi: number; count: number }>; count: number });

    expect(rx.received.map((r) => [r.path, r.contentType, r.headers['x-sonde-key']])).toEqual([['/v1/metrics', 'application/x-protobuf', 'k1']]);
    const metrics = metricsOf(rx.received);
    const hist = metrics.find((m) => m.metric.name === 'sonde.tcprtt.histogram')!;
    expect(hist.metric.unit).toBe('us');
    expect(hist.metric.histogram.aggregationTemporality).toBe('AGGREGATION_TEMPORALITY_DELTA');
    const [p] = hist.metric.histogram.dataPoints;
    expect(p.explicitBounds).toEqual(h.buckets.slice(0, -1).map((b) => b.hi));
    expect(p.bucketCounts).toEqual(h.buckets.map((b) => b.count));
    expect(p.count).toBe(h.count);
    expect(hist.resource).toMatchObject({
      'service.name': 'sonde',
      'host.name': job.result!.host.hostname,
      'os.version': job.result!.host.kernel,
      'sonde.job.id': id,
      'sonde.probe.name': 'tcprtt',
      'sonde.probe.version': '0.1.0',
    });
    expect(hist.scope).toMatchObject({ name: 'sonde.tcprtt', version: '0.1.0' });
    const points = metrics.reduce((n, m) => n + (m.metric.histogram ?? m.metric.sum ?? m.metric.gauge).dataPoints.length, 0);
    expect(outcome).toMatchObject({ destination: 'lab', status: 'ok', attempts: 1, metricPoints: points, logRecords: 0 });
    // and GET /v1/jobs/{id} shows it
    const got = (await (await t.app.request(`/v1/jobs/${id}`)).json()) as JobWithExport;
    expect(got.result.export.otlp).toEqual(outcome);
  });

  it('sends one log record per event with the event fields as attributes', async () => {
    const rx = await receiver();
    const t = app({ destinations: [dest(rx.url)] });
    t.catalog.addFakeEvents();
    const { id } = (await (await postJob(t.app, { probe: 'fakeevents', durationMs: 200, params: { count: 1234, batch: 500, everyMs: 1 }, export: { otlp: true } })).json()) as Created;
    const job = await waitStatus(t.store, id, 'succeeded');
    const outcome = await waitFor(() => exportOf(t, id)?.status === 'ok' && exportOf(t, id), 5000);
    const events = (job.result!.data as { events: Array<{ i: number; pid: number; comm: string }> }).events;
    const logs = logsOf(rx.received);
    expect(logs).toHaveLength(events.length);
    expect(rx.received.filter((r) => r.path === '/v1/logs')).toHaveLength(Math.ceil(events.length / 1000)); // batches of 1000
    expect(logs.map((l) => attrs(l.record.attributes))).toEqual(
      events.map((e) => ({ 'network.transport': 'tcp', 'sonde.i': e.i, 'process.pid': e.pid, 'process.executable.name': e.comm })),
    );
    expect(logs[0]!.record).toMatchObject({ severityNumber: 'SEVERITY_NUMBER_INFO', body: { stringValue: 'fakeevents' } });
    expect(logs[0]!.resource['sonde.job.id']).toBe(id);
    expect(outcome).toMatchObject({ status: 'ok', logRecords: events.length, attempts: 1 + Math.ceil(events.length / 1000) });
  });

  it('maps keyed histograms and report counts by the semantic conventions (serialized, then decoded)', () => {
    const hist = (slots: number[], sum: number) => log2Histogram(slots, { unit: 'usecs', sum, min: 3, max: 40 });
    const keyed = [
      { key: '10.0.0.7', family: 4, hist: hist([0, 2, 5, 1], 40) },
      { key: '::1', family: 6, hist: hist([1, 0, 3], 20) },
    ];
    const base = {
      jobId: 'j_1', probeVersion: '0.1.0', params: {}, host: { hostname: 'h1', kernel: '6.1.0' }, variant: 'tp_btf',
      startedAt: '2026-12-01T10:00:00.000Z', endedAt: '2026-12-01T10:00:05.000Z', durationMs: 5000, stoppedBy: 'deadline' as const,
      stats: { events: 2, lost: 1, dropped: 0, truncated: false }, warnings: [],
    };
    const rtt = toOtlp({ ...base, probe: 'tcprtt', kind: 'histogram', shape: outputShape(tcprtt)!, data: { unit: 'usecs', by: 'raddr', histograms: keyed, total: mergeHistograms(keyed.map((k) => k.hist)) } });
    const m = decodeOtlp('/v1/metrics', ProtobufMetricsSerializer.serializeRequest(rtt.metrics)!);
    const metrics = m.resourceMetrics[0].scopeMetrics[0].metrics;
    const r = metrics.find((x: { name: string }) => x.name === 'sonde.tcprtt.rtt');
    expect(r.histogram.dataPoints.map((p: { attributes: unknown[] }) => attrs(p.attributes as never))).toEqual([
      { 'network.transport': 'tcp', 'network.peer.address': '10.0.0.7', 'network.type': 'ipv4' },
      { 'network.transport': 'tcp', 'network.peer.address': '::1', 'network.type': 'ipv6' },
    ]);
    expect(r.histogram.dataPoints.map((p: { bucketCounts: number[]; sum: number; min: number; max: number }) => [p.bucketCounts, p.sum, p.min, p.max])).toEqual(
      keyed.map((k) => [k.hist.buckets.map((b) => b.count), k.hist.sum, 3, 40]),
    );
    expect(r.histogram.dataPoints[0].startTimeUnixNano).toBe(Date.parse(base.startedAt) * 1e6);
    expect(r.histogram.dataPoints[0].timeUnixNano).toBe(Date.parse(base.endedAt) * 1e6);
    expect(metrics.some((x: { name: string }) => x.name === 'sonde.tcprtt.total')).toBe(false); // the merge, already in the keyed points
    expect(metrics.find((x: { name: string }) => x.name === 'sonde.job.events.lost').sum.dataPoints[0].asInt).toBe(1);

    const events = [
      { time: '2026-12-01T10:00:01.000Z', pid: 7, comm: 'curl', family: 4, laddr: '127.0.0.1', lport: 40000, raddr: '127.0.0.1', rport: 8080, outcome: 'established', error: '', latUs: 41.5 },
      { time: '2026-12-01T10:00:02.000Z', pid: 7, comm: 'curl', family: 4, laddr: '127.0.0.1', lport: 40002, raddr: '127.0.0.1', rport: 9, outcome: 'refused', error: 'ECONNREFUSED', latUs: 20 },
    ];
    const conn = toOtlp({
      ...base,
      probe: 'tcpconnect',
      kind: 'events',
      shape: outputShape(tcpconnect)!,
      data: { mode: 'events', totals: { connects: 2, failed: 1 }, outcomes: { established: 1, refused: 1 }, events },
    });
    const cm = decodeOtlp('/v1/metrics', ProtobufMetricsSerializer.serializeRequest(conn.metrics)!).resourceMetrics[0].scopeMetrics[0].metrics;
    const sum = (name: string) => cm.find((x: { name: string }) => x.name === name).sum;
    expect(sum('sonde.tcpconnect.totals.connects')).toMatchObject({ isMonotonic: true, aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA' });
    expect(sum('sonde.tcpconnect.totals.connects').dataPoints[0].asInt).toBe(2);
    expect(sum('sonde.tcpconnect.totals.failed').dataPoints[0].asInt).toBe(1);
    expect(sum('sonde.tcpconnect.outcomes').dataPoints.map((p: { attributes: never; asInt: number }) => [attrs(p.attributes)['sonde.outcome'], p.asInt])).toEqual([
      ['established', 1],
      ['refused', 1],
    ]);
    const lr = decodeOtlp('/v1/logs', ProtobufLogsSerializer.serializeRequest([...conn.logs][0]!)!).resourceLogs[0].scopeLogs[0].logRecords;
    expect(lr.map((l: { attributes: never }) => attrs(l.attributes))[1]).toEqual({
      'network.transport': 'tcp',
      'process.pid': 7,
      'process.executable.name': 'curl',
      'network.type': 'ipv4',
      'network.local.address': '127.0.0.1',
      'network.local.port': 40002,
      'network.peer.address': '127.0.0.1',
      'network.peer.port': 9,
      'sonde.outcome': 'refused',
      'sonde.error': 'ECONNREFUSED',
      'sonde.lat_us': 20,
    });
    expect(lr[1]).toMatchObject({ severityNumber: 'SEVERITY_NUMBER_WARN', timeUnixNano: Date.parse(events[1]!.time) * 1e6, body: { stringValue: 'tcpconnect curl 127.0.0.1:40002 > 127.0.0.1:9 refused ECONNREFUSED latUs=20' } });
  });
});

describe('owners (probe-sdk owner resolution) as Kubernetes and container attributes', () => {
  it('flattens an event\'s or a row\'s owner into k8s.* and container.* (pod labels on log records only)', () => {
    const owner = {
      cgroupId: '4242',
      cgroupPath: '/kubepods.slice/kubepods-burstable.slice/cri-containerd-' + 'a'.repeat(64) + '.scope',
      runtime: 'containerd',
      containerId: 'a'.repeat(64),
      podUid: '0f0e0d0c-0b0a-0908-0706-050403020100',
      namespace: 'shop',
      pod: 'web-1',
      container: 'nginx',
      labels: { app: 'web' },
    };
    const p = toOtlp({
      jobId: 'j_2', probe: 'tcpretrans', probeVersion: '0.1.0', params: {}, host: { hostname: 'h', kernel: 'k' }, variant: null,
      startedAt: '2026-12-01T10:00:00.000Z', endedAt: '2026-12-01T10:00:01.000Z', durationMs: 1000, stoppedBy: 'deadline', kind: 'events', shape: outputShape(tcpretrans)!,
      stats: { events: 1, lost: 0, dropped: 0, truncated: false }, warnings: [],
      data: { flows: [{ family: 4, laddr: '10.0.0.1', lport: 80, raddr: '10.0.0.2', rport: 5555, owner, retransmits: 3, segments: 4 }], events: [{ time: '2026-12-01T10:00:00.500Z', pid: 9, comm: 'nginx', owner, type: 'R' }] },
    });
    const k8s = { 'k8s.pod.name': 'web-1', 'k8s.namespace.name': 'shop', 'k8s.container.name': 'nginx', 'k8s.pod.uid': owner.podUid, 'container.id': owner.containerId, 'container.runtime.name': 'containerd', 'sonde.cgroup.path': owner.cgroupPath, 'sonde.cgroup.id': '4242' };
    const m = decodeOtlp('/v1/metrics', ProtobufMetricsSerializer.serializeRequest(p.metrics)!).resourceMetrics[0].scopeMetrics[0].metrics;
    const flow = m.find((x: { name: string }) => x.name === 'sonde.tcpretrans.flows.retransmits').sum.dataPoints[0];
    expect(attrs(flow.attributes)).toEqual({ 'network.transport': 'tcp', 'network.type': 'ipv4', 'network.local.address': '10.0.0.1', 'network.local.port': 80, 'network.peer.address': '10.0.0.2', 'network.peer.port': 5555, ...k8s });
    const lr = decodeOtlp('/v1/logs', ProtobufLogsSerializer.serializeRequest([...p.logs][0]!)!).resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(attrs(lr.attributes)).toEqual({ 'network.transport': 'tcp', 'process.pid': 9, 'process.executable.name': 'nginx', 'sonde.type': 'R', ...k8s, 'k8s.pod.label.app': 'web' });
  });
});

describe('a collector that is down or slow', () => {
  it('down (closed port): the job ends on time with its result; the export fails after 3 attempts', async () => {
    const port = await closedPort();
    const t = app({ destinations: [dest(`http://127.0.0.1:${port}`)] });
    const t0 = Date.now();
    const { id } = (await (await postJob(t.app, { probe: 'tcprtt', durationMs: 100, export: { otlp: true } })).json()) as Created;
    const job = await waitStatus(t.store, id, 'succeeded');
    expect(Date.now() - t0).toBeLessThan(2000); // a 100 ms job (bounds are loose: CI machines are busy)
    expect(job.result!.data).not.toBeNull();
    expect(exportOf(t, id)?.status).toBe('pending'); // the result is readable before the export ends
    const out = await waitFor(() => exportOf(t, id)?.status === 'failed' && exportOf(t, id), 5000);
    expect(out).toMatchObject({ attempts: 3, metricPoints: 0, logRecords: 0 });
    expect(out.reason).toMatch(/^metrics: fetch failed: ECONNREFUSED \(3 attempts\)$/);
    expect(out.tookMs).toBeGreaterThanOrEqual(1000); // two backoffs, 250 + 750 ms
    expect(out.tookMs).toBeLessThan(5000);
    // the stored result is intact besides the export record
    const strip = (r: unknown) => {
      const { export: _e, ...rest } = r as ResultEnvelope & { export?: unknown };
      return rest;
    };
    expect(strip(t.store.get(id)!.result)).toEqual(strip(job.result));
  });

  it('slow (never answers): each attempt is cut at timeoutMs, the whole export at the deadline', async () => {
    const rx = await receiver('hang');
    const t = app({ destinations: [dest(rx.url, { timeoutMs: 300 })] });
    const { id } = (await (await postJob(t.app, { probe: 'tcprtt', durationMs: 100, export: { otlp: true } })).json()) as Created;
    const t0 = Date.now();
    await waitStatus(t.store, id, 'succeeded');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(((await (await t.app.request(`/v1/jobs/${id}`)).json()) as JobWithExport).result.export.otlp.status).toBe('pending');
    const out = await waitFor(() => exportOf(t, id)?.status === 'failed' && exportOf(t, id), 5000);
    expect(out).toMatchObject({ attempts: 3, reason: 'metrics: no answer in time (3 attempts)' });
    expect(rx.hits).toEqual(['/v1/metrics', '/v1/metrics', '/v1/metrics']);
    expect(out.tookMs).toBeGreaterThanOrEqual(3 * 300 + 250 + 750 - 50);
    expect(out.tookMs).toBeLessThan(5000);

    // a tighter overall deadline bounds it however many attempts are left
    const t2 = app({ destinations: [dest(rx.url, { timeoutMs: 5000 })] }, {}, 700);
    const j2 = (await (await postJob(t2.app, { probe: 'tcprtt', durationMs: 100, export: { otlp: true } })).json()) as Created;
    const out2 = await waitFor(() => exportOf(t2, j2.id)?.status === 'failed' && exportOf(t2, j2.id), 5000);
    expect(out2).toMatchObject({ attempts: 1, reason: 'metrics: no answer in time (1 attempt)' });
    expect(out2.tookMs).toBeLessThan(2000);
  });

  it('retries 503 (retryable) but not 400', async () => {
    const rx = await receiver({ status: 503 });
    const t = app({ destinations: [dest(rx.url)] });
    const { id } = (await (await postJob(t.app, { probe: 'tcprtt', durationMs: 100, export: { otlp: true } })).json()) as Created;
    expect(await waitFor(() => exportOf(t, id)?.status === 'failed' && exportOf(t, id), 5000)).toMatchObject({
      attempts: 3,
      reason: 'metrics: HTTP 503 Service Unavailable (3 attempts)',
    });
    rx.mode = { status: 400 };
    const j2 = (await (await postJob(t.app, { probe: 'tcprtt', durationMs: 100, export: { otlp: true } })).json()) as Created;
    expect(await waitFor(() => exportOf(t, j2.id)?.status === 'failed' && exportOf(t, j2.id), 5000)).toMatchObject({
      attempts: 1,
      reason: 'metrics: HTTP 400 Bad Request (1 attempt)',
    });
  });
});
