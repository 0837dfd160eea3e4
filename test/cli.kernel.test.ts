/**
 * The `sonde` binary for real: subprocesses against a real server and in-process, real tcprtt jobs
 * with loopback traffic started once the CLI says the programs are attached; exit codes of `check`
 * for pass, fail and could-not-run; JUnit XML through a JUnit-aware XML parser; Ctrl-C.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sonde, sondeDone } from './support/cli.js';
import { describeKernel, programsLeft } from './support/kernel.js';
import { startServerAndEcho, stopServerAndEcho, type Server } from './support/server.js';
import { pingPong, type EchoServer } from './support/traffic.js';

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' || name === 'testsuite' });

describeKernel('sonde CLI against real jobs', () => {
  let server: Server;
  let echo: EchoServer;
  let dir: string;

  beforeAll(async () => {
    ({ server, echo } = await startServerAndEcho());
    dir = mkdtempSync(join(tmpdir(), 'sonde-cli-'));
  });
  afterAll(() => stopServerAndEcho(server, echo));

  /** start `args`, and once the job is attached send loopback traffic for `ms` */
  async function withTraffic(args: string[], ms = 600) {
    const run = sonde(args);
    await run.stderrMatch(/attached/);
    const t = await pingPong(echo.port, { conns: 2, maxMs: ms });
    await t.stop();
    const res = await run.done;
    return { ...res, rounds: t.rounds };
  }

  it('lists probes from the server', async () => {
    const r = await sondeDone(['probes', '--server', server.url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tcprtt\s+\S+\s+histogram\s+ready \(tp_btf\)$/m);
  });

  it('runs through the API: plain progress lines on a pipe, upstream text on stdout, and jobs/show find it', async () => {
    const r = await withTraffic(['run', 'tcprtt', '--server', server.url, '--duration', '1500ms', '--param', `rport=${echo.port}`, '--param', 'extended=true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^sonde: tcprtt j_\w+: queued for 1.5s$/m);
    expect(r.stderr).toMatch(/^sonde: tcprtt: succeeded after/m);
    expect(r.stdout).toMatch(/usecs\s+: count\s+distribution/);
    expect(r.stdout).toMatch(/\[AVG \d+/);
    const id = /tcprtt (j_\w+): queued/.exec(r.stderr)![1]!;
    const list = await sondeDone(['jobs', '--server', server.url, '--probe', 'tcprtt']);
    expect(list.stdout).toContain(`${id}  tcprtt`);
    const shown = await sondeDone(['show', id, '--server', server.url, '--json']);
    const job = JSON.parse(shown.stdout);
    expect(job).toMatchObject({ id, status: 'succeeded', params: { rport: [echo.port], extended: true } });
    expect(job.result.data.total.count).toBeGreaterThanOrEqual(r.rounds);
    const md = await sondeDone(['show', id, '--server', server.url, '--format', 'markdown']);
    expect(md.stdout).toContain(`| ${job.result.data.total.count} |`);
  });

  it('runs in-process as root and prints the envelope with --json', async () => {
    const r = await withTraffic(['run', 'tcprtt', '--duration', '1200ms', '--param', `rport=${echo.port}`, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const env = JSON.parse(r.stdout);
    expect(env).toMatchObject({ probe: 'tcprtt', stoppedBy: 'deadline', variant: 'tp_btf', kind: 'histogram' });
    expect(env.data.total.count).toBeGreaterThanOrEqual(r.rounds);
    expect(await programsLeft()).toEqual([]);
  });

  it('Ctrl-C stops an in-process job and prints the partial result', async () => {
    const run = sonde(['run', 'tcprtt', '--duration', '60s', '--json']);
    await run.stderrMatch(/attached/);
    const t0 = Date.now();
    run.proc.kill('SIGINT');
    const r = await run.done;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/stopping \(partial result follows\)/);
    expect(JSON.parse(r.stdout)).toMatchObject({ stoppedBy: 'cancel', probe: 'tcprtt' });
    expect(await programsLeft()).toEqual([]);
  });

  it('Ctrl-C stops a server job (DELETE) and prints its partial result', async () => {
    const run = sonde(['run', 'tcprtt', '--server', server.url, '--duration', '60s', '--json']);
    await run.stderrMatch(/attached/);
    run.proc.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ stoppedBy: 'cancel' });
  });

  it('check passes (exit 0) and writes JUnit XML and Markdown with the real numbers', async () => {
    const junit = join(dir, 'pass.xml');
    const md = join(dir, 'pass.md');
    const base = join(dir, 'base.json');
    const r = await withTraffic([
      'check', 'tcprtt', '--server', server.url, '--duration', '1500ms', '--param', `rport=${echo.port}`,
      '--assert', 'count > 0', '--assert', 'p99 < 10s', '--assert', 'lost == 0', '--junit', junit, '--markdown', md, '--save', base,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PASS\s+count > 0/m);
    const doc = xml.parse(readFileSync(junit, 'utf8'));
    expect(doc.testsuites).toMatchObject({ tests: '3', failures: '0', errors: '0' });
    const suite = doc.testsuites.testsuite[0];
    expect(suite.testcase.map((c: { name: string }) => c.name)).toEqual(['count > 0', 'p99 < 10s', 'lost == 0']);
    const saved = JSON.parse(readFileSync(base, 'utf8'));
    const count = saved.data.total.count;
    expect(count).toBeGreaterThanOrEqual(r.rounds);
    const summary = readFileSync(md, 'utf8');
    expect(summary).toContain('### ✅ sonde check `tcprtt`: passed (3/3 passed)');
    expect(summary).toContain(`| ✅ | \`count > 0\` | ${count} | 0 |`);
    expect(summary).toContain(`(${server.url}/v1/jobs/${saved.jobId})`);
  });

  it('check fails (exit 1) on a violated assertion and on a regression against a baseline', async () => {
    const junit = join(dir, 'fail.xml');
    const base = JSON.parse(readFileSync(join(dir, 'base.json'), 'utf8'));
    // a baseline whose p99 was under 1 µs: any real loopback RTT is a regression of far more than 20%
    base.data.total.p99 = { value: 1, lo: 0, hi: 1 };
    base.data.total.buckets = [{ lo: 0, hi: 1, count: 100 }];
    base.data.total.count = 100;
    writeFileSync(join(dir, 'fast.json'), JSON.stringify(base));
    const r = await withTraffic([
      'check', 'tcprtt', '--duration', '1200ms', '--param', `rport=${echo.port}`,
      '--assert', 'count > 0', '--assert', 'p99 < 1ns', '--baseline', join(dir, 'fast.json'), '--max-regression', '20%', '--junit', junit,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+p99 < 1ns/m);
    expect(r.stdout).toMatch(/^FAIL\s+p99 regression <= 20% over baseline\s+\(p99 [\d.]+us vs baseline [\d.]+(ns|us) \(\+\d+/m);
    const doc = xml.parse(readFileSync(junit, 'utf8'));
    expect(doc.testsuites).toMatchObject({ tests: '3', failures: '2', errors: '0' });
    const failed = doc.testsuites.testsuite[0].testcase.filter((c: { failure?: unknown }) => c.failure);
    expect(failed.map((c: { name: string }) => c.name)).toEqual(['p99 < 1ns', 'p99 regression <= 20% over baseline']);
  });

  it('check could not run (exit 2): bad assertion, unknown metric, unknown probe, server down', async () => {
    const bad = await sondeDone(['check', 'tcprtt', '--assert', 'p99 = 5ms']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("sonde: bad assertion: '=' is not a comparison; use '==' at column 5 of 'p99 = 5ms'\n");
    const junit = join(dir, 'err.xml');
    const unknown = await sondeDone(['check', 'tcprtt', '--duration', '300ms', '--assert', 'retransmits > 0', '--junit', junit]);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toMatch(/^ERROR\s+retransmits > 0\s+\(unknown metric 'retransmits' for this tcprtt result; it has: count, sum, avg/m);
    expect(xml.parse(readFileSync(junit, 'utf8')).testsuites).toMatchObject({ tests: '1', failures: '0', errors: '1' });
    const probe = await sondeDone(['run', 'tcpfoo', '--server', server.url]);
    expect(probe.code).toBe(2);
    expect(probe.stderr).toBe("sonde: no probe named 'tcpfoo' [unknown-probe]\n");
    const down = await sondeDone(['check', 'tcprtt', '--server', 'http://127.0.0.1:5999', '--assert', 'count > 0']);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/^sonde: cannot reach the sonde server at .*5999.*ECONNREFUSED/);
  });

  it('refuses bad input with one line and exit 2', async () => {
    for (const [args, msg] of [
      [['run', 'tcprtt', '--duration', '30'], "sonde: invalid duration '30'; add a unit: 30s or 30ms\n"],
      [['run', 'tcprtt', '--param', 'rport'], "sonde: invalid --param 'rport': expected key=value\n"],
      [['frobnicate'], "sonde: unknown command 'frobnicate' (sonde --help lists them)\n"],
    ] as const) {
      const r = await sondeDone([...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(msg);
    }
  });
});

describeKernel('sonde run --ndjson streams events', () => {
  let server: Server;
  let echo: EchoServer;
  beforeAll(async () => ({ server, echo } = await startServerAndEcho()));
  afterAll(() => stopServerAndEcho(server, echo, ['tcprtt_', 'tcpconnect', 'sonde']));

  it.each([['through the server', true], ['in-process', false]])('%s: event lines, then the result', async (_, remote) => {
    const run = sonde(['run', 'tcpconnect', ...(remote ? ['--server', server.url] : []), '--duration', '1500ms', '--param', `rport=${echo.port}`, '--ndjson']);
    await run.stderrMatch(/attached/);
    const t = await pingPong(echo.port, { conns: 3, maxRounds: 1, maxMs: 500 });
    await t.stop();
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: 'attached' });
    const events = lines.filter((l) => l.type === 'events').flatMap((l) => l.events);
    expect(events).toHaveLength(3);
    expect(new Set(events.map((e: any) => e.lport ?? e.sport))).toEqual(new Set(t.localPorts));
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'succeeded', result: { probe: 'tcpconnect' } });
  });
});
