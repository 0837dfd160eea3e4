/**
 * Chat-ready results, the histogram picture, checks over HTTP and /metrics, for a real tcprtt job
 * with loopback traffic: Markdown and Slack carry the job's real numbers, the SVG parses and has
 * one bar per non-empty bucket, POST /v1/checks answers JUnit a parser accepts, and the Prometheus
 * counters moved by exactly the jobs that ran.
 */
import { XMLParser } from 'fast-xml-parser';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from './support/kernel.js';
import { json, postJson, startServerAndEcho, stopServerAndEcho, waitJob, type Server } from './support/server.js';
import { pingPong, type EchoServer } from './support/traffic.js';

interface PromFamily {
  name: string;
  type: string;
  metrics: Array<{ value?: string; count?: string; buckets?: Record<string, string>; labels?: Record<string, string> }>;
}

async function scrape(url: string): Promise<PromFamily[]> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
  return parsePrometheusTextFormat(await res.text()) as PromFamily[];
}

function sample(fams: PromFamily[], name: string, labels: Record<string, string> = {}): number {
  const f = fams.find((x) => x.name === name);
  if (!f) return NaN;
  const m = f.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  if (!m) return 0;
  // this parser keeps a histogram's buckets but drops its other labels and its _count
  return Number(m.value ?? m.count ?? m.buckets?.['+Inf']);
}

const post = (url: string, path: string, body: unknown) => postJson(url, body, path);

/** The parts of a Slack Block Kit message and of a check that these tests read. */
interface SlackMessage {
  text: string;
  blocks: Array<{ type: string; text?: { type: string; text: string }; fields?: Array<{ type: string; text: string }> }>;
}
interface Check {
  id: string;
  status: string;
  report: { failed: number; results: Array<{ outcome: string }> } | null;
}

describeKernel('results for people, bots and Prometheus', () => {
  let server: Server;
  let echo: EchoServer;
  let job: any;
  let before: PromFamily[];

  beforeAll(async () => {
    ({ server, echo } = await startServerAndEcho());
    before = await scrape(server.url);
    const res = await post(server.url, '/v1/jobs', { probe: 'tcprtt', durationMs: 1500, params: { rport: echo.port, by: 'laddr' } });
    const created = await json(res);
    await waitJob(server.url, created.id, ['running']);
    const t = await pingPong(echo.port, { conns: 3, maxMs: 700 });
    await t.stop();
    job = await waitJob(server.url, created.id, ['succeeded', 'failed']);
    expect(job.status).toBe('succeeded');
    expect(job.result.data.total.count).toBeGreaterThanOrEqual(t.rounds);
  });
  afterAll(() => stopServerAndEcho(server, echo));

  it('format=markdown: stats row, compact histogram and the top-N table with the real numbers', async () => {
    const res = await fetch(`${server.url}/v1/jobs/${job.id}?format=markdown`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/markdown/);
    const md = await res.text();
    const t = job.result.data.total;
    expect(md).toContain(`### tcprtt · succeeded ·`);
    expect(md).toContain(`[\`${job.id}\`](${server.url}/v1/jobs/${job.id})`);
    expect(md).toContain(`| ${t.count} | ${t.avg} us | ${t.p50.value} us | ${t.p90.value} us | ${t.p99.value} us | ${t.min} us | ${t.max} us |`);
    for (const b of t.buckets.filter((x: any) => x.count > 0)) expect(md).toMatch(new RegExp(`^${b.lo} -> ${b.hi}\\s+${b.count} [█▏▎▍▌▋▊▉]+$`, 'm'));
    const keyed = job.result.data.histograms;
    expect(md).toContain(`**Top ${keyed.length} of ${keyed.length} by count**`);
    expect(md).toContain(`| 127.0.0.1 | ${keyed.find((k: any) => k.key === '127.0.0.1').hist.count} |`);
  });

  it('format=slack: Block Kit with the count and percentiles in fields, the histogram in a code block', async () => {
    const res = await fetch(`${server.url}/v1/jobs/${job.id}?format=slack`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const msg = await json<SlackMessage>(res);
    const t = job.result.data.total;
    expect(msg.text).toBe(`tcprtt · succeeded · ${Math.round(job.result.durationMs / 100) / 10} s — count ${t.count}, p50 ${t.p50.value} us, p99 ${t.p99.value} us`);
    expect(msg.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: expect.stringMatching(/^tcprtt · succeeded/) } });
    const fields = msg.blocks[1]!.fields!.map((f) => f.text);
    expect(fields).toEqual(expect.arrayContaining([`*count*\n${t.count}`, `*p99*\n${t.p99.value} us`]));
    expect(msg.blocks[2]!.text!.text).toMatch(/^```usecs/);
    expect(msg.blocks.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: expect.stringContaining(`<${server.url}/v1/jobs/${job.id}|${job.id}>`) }] });
    for (const b of msg.blocks) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
  });

  it('histogram.svg parses and has one bar per non-empty bucket, with their counts', async () => {
    const res = await fetch(`${server.url}/v1/jobs/${job.id}/histogram.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => n === 'rect' || n === 'text' }).parse(await res.text());
    const bars = doc.svg.rect.filter((r: any) => r['@class'] === 'bar');
    const nonEmpty = job.result.data.total.buckets.filter((b: any) => b.count > 0);
    expect(bars.length).toBe(nonEmpty.length);
    expect(bars.map((r: any) => [Number(r['@data-lo']), Number(r['@data-hi']), Number(r['@data-count'])])).toEqual(nonEmpty.map((b: any) => [b.lo, b.hi, b.count]));
    const tallest = Math.max(...bars.map((r: any) => Number(r['@height'])));
    const biggest = bars.find((r: any) => Number(r['@data-count']) === Math.max(...nonEmpty.map((b: any) => b.count)));
    expect(Number(biggest['@height'])).toBe(tallest);
    // one keyed histogram, and a problem for a key that is not there
    const one = await fetch(`${server.url}/v1/jobs/${job.id}/histogram.svg?key=127.0.0.1`);
    expect(one.status).toBe(200);
    const none = await fetch(`${server.url}/v1/jobs/${job.id}/histogram.svg?key=10.9.9.9`);
    expect(none.status).toBe(404);
    expect(none.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('POST /v1/checks evaluates assertions when the job ends; JUnit and Markdown on request', async () => {
    const bad = await post(server.url, '/v1/checks', { probe: 'tcprtt', assertions: ['count > 0', 'p99 <'] });
    expect(bad.status).toBe(400);
    expect((await json<{ errors: unknown }>(bad)).errors).toEqual([{ field: 'assertions.1', message: 'expected a metric or a number at the end at column 6 of \'p99 <\'' }]);
    const res = await post(server.url, '/v1/checks', { probe: 'tcprtt', durationMs: 800, params: { rport: echo.port }, assertions: ['count >= 0', 'p99 < 1ns', 'nonsense > 1'] });
    expect(res.status).toBe(202);
    const created = await json<Check>(res);
    expect(res.headers.get('location')).toBe(`/v1/checks/${created.id}`);
    expect(created).toMatchObject({ status: 'pending', report: null, job: { probe: 'tcprtt', status: 'queued' } });
    expect((await fetch(`${server.url}/v1/checks/${created.id}?format=junit`)).status).toBe(409);
    await waitJob(server.url, created.id, ['succeeded']);
    const check = await json<Check>(await fetch(`${server.url}/v1/checks/${created.id}`));
    expect(check.status).toBe('error');
    expect(check.report!.results.map((r) => r.outcome)).toEqual(['pass', expect.stringMatching(/fail|pass/), 'error']);
    const junit = await (await fetch(`${server.url}/v1/checks/${created.id}?format=junit`)).text();
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(junit);
    expect(Number(doc.testsuites.tests)).toBe(3);
    expect(Number(doc.testsuites.errors)).toBe(1);
    expect(Number(doc.testsuites.failures)).toBe(check.report!.failed);
    const md = await (await fetch(`${server.url}/v1/checks/${created.id}?format=markdown`)).text();
    expect(md).toContain('### ⚠️ sonde check `tcprtt`: error');
  });

  it('GET /metrics: counters moved by the jobs that ran, running gauge, BPF stats state', async () => {
    const after = await scrape(server.url);
    const ok = { probe: 'tcprtt', outcome: 'succeeded' };
    expect(sample(after, 'sonde_jobs_total', ok) - sample(before, 'sonde_jobs_total', ok)).toBe(2);
    expect(sample(after, 'sonde_job_duration_seconds')).toBe(2);
    const hist = after.find((f) => f.name === 'sonde_job_duration_seconds')!;
    expect(hist.type).toBe('HISTOGRAM');
    expect(sample(after, 'sonde_jobs_running')).toBe(0);
    expect(sample(after, 'sonde_job_lost_events_total', { probe: 'tcprtt' })).toBe(0);
    expect(sample(after, 'sonde_probes', { available: 'true' })).toBeGreaterThanOrEqual(1);
    expect([0, 1]).toContain(sample(after, 'sonde_bpf_stats_enabled'));
    // a scrape counts each ended job once
    const again = await scrape(server.url);
    expect(sample(again, 'sonde_jobs_total', ok)).toBe(sample(after, 'sonde_jobs_total', ok));
    // while a job runs the gauge says so
    const running = await json(await post(server.url, '/v1/jobs', { probe: 'tcprtt', durationMs: 30_000 }));
    await waitJob(server.url, running.id, ['running']);
    expect(sample(await scrape(server.url), 'sonde_jobs_running')).toBe(1);
    await fetch(`${server.url}/v1/jobs/${running.id}`, { method: 'DELETE' });
    await waitJob(server.url, running.id, ['stopped']);
    const last = await scrape(server.url);
    expect(sample(last, 'sonde_jobs_total', { probe: 'tcprtt', outcome: 'stopped' })).toBe(1);
    expect(sample(last, 'sonde_jobs_running')).toBe(0);
  });
});
