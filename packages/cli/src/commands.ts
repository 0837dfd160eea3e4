/** The sonde commands. Each returns its exit code; errors are thrown as CliError (exit 2). */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  AssertionSyntaxError,
  baselineFrom,
  EXIT_CODES,
  evaluateCheck,
  parseAssertion,
  parseAssertions,
  parsePercent,
  toJUnit,
  toMarkdown,
  type CheckReport,
  type Regression,
} from '@sonde/checks';
import { DEFAULT_SERVER, getJob, stopJob, unwrap, waitForJob, type Job, type ProbeInfo } from '@sonde/client';
import { CliError, fmtMs, parseDuration, parseParams, serverUrl } from './args.js';
import { client, runJob, type JobOutcome } from './execute.js';

const out = (s: string) => process.stdout.write(s.endsWith('\n') || s === '' ? s : `${s}\n`);
const note = (s: string) => process.stderr.write(`sonde: ${s}\n`);

function parse<T extends ParseArgsConfig['options']>(argv: string[], options: T, positionals = 0) {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if (r.positionals.length > positionals) throw new CliError(`unexpected argument '${r.positionals[positionals]}'`);
    return r;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError((err as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, ''));
  }
}

/** the server for commands that always talk to one: --server, $SONDE_SERVER, or the default */
function remote(flag: string | undefined): string {
  return serverUrl(flag ?? process.env.SONDE_SERVER ?? DEFAULT_SERVER);
}

/** the server for run/check: only when asked (--server or $SONDE_SERVER); else in-process */
function maybeRemote(flag: string | undefined): string | undefined {
  const s = flag ?? process.env.SONDE_SERVER;
  return s ? serverUrl(s) : undefined;
}

const JOB_OPTIONS = {
  duration: { type: 'string', short: 'd', default: '10s' },
  param: { type: 'string', short: 'p', multiple: true, default: [] as string[] },
  server: { type: 'string', short: 's' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

// ---- serve ---------------------------------------------------------------------------------

export async function serve(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    host: { type: 'string' },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    'max-jobs': { type: 'string' },
    fleet: { type: 'boolean' },
  });
  if (values.help) return usage('serve');
  if (values.host) process.env.SONDE_HOST = values.host;
  if (values.port) process.env.SONDE_PORT = values.port;
  if (values['data-dir']) process.env.SONDE_DATA_DIR = values['data-dir'];
  if (values['max-jobs']) process.env.SONDE_MAX_JOBS = values['max-jobs'];
  // --fleet / SONDE_FLEET=1: the fleet coordinator (same API, jobs fanned out to the agents)
  if (values.fleet || process.env.SONDE_FLEET === '1') {
    await import(new URL('main.js', import.meta.resolve('@sonde/fleet')).href);
    return -1;
  }
  // the control plane's own entry point: same configuration, logging and shutdown as `npm start`
  await import(new URL('main.js', import.meta.resolve('@sonde/control-api')).href);
  return -1; // keeps running; the server exits the process itself
}

// ---- probes --------------------------------------------------------------------------------

export async function probes(argv: string[]): Promise<number> {
  const { values } = parse(argv, { server: { type: 'string', short: 's' }, json: { type: 'boolean' } });
  if (values.help) return usage('probes');
  let list: ProbeInfo[];
  const server = maybeRemote(values.server);
  if (server) list = (unwrap(await client(server).GET('/v1/probes')) as { probes: ProbeInfo[] }).probes;
  else {
    const { Catalog } = await import('@sonde/core-loader');
    list = (await Catalog.discover()).list() as ProbeInfo[];
  }
  if (values.json) return out(JSON.stringify(list, null, 2)), 0;
  const w = Math.max(5, ...list.map((p) => p.name.length));
  out(`${'PROBE'.padEnd(w)}  VERSION  OUTPUT     STATUS`);
  for (const p of list) {
    const status = p.available ? `ready (${p.variant ?? '?'})` : `unavailable: ${p.reason ?? '?'}`;
    out(`${p.name.padEnd(w)}  ${p.version.padEnd(7)}  ${String(p.output ?? '-').padEnd(9)}  ${status}`);
    for (const c of p.cannotSee ?? []) out(`${''.padEnd(w + 31)}  cannot see here: ${c}`);
    const pairs = p.counters?.pairs ?? [];
    if (pairs.length) out(`${''.padEnd(w + 31)}  checked against: ${pairs.map((c) => `${c.counter} (${c.figure})`).join(', ')}`);
  }
  return 0;
}

// ---- run -----------------------------------------------------------------------------------

const FORMATS = ['text', 'json', 'markdown', 'slack'];

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...JOB_OPTIONS, json: { type: 'boolean' }, ndjson: { type: 'boolean' }, format: { type: 'string', short: 'f' } }, 1);
  if (values.help) return usage('run');
  const probe = positionals[0];
  if (!probe) throw new CliError('which probe? usage: sonde run <probe> [--duration 10s] [--param k=v ...]');
  const format = values.json ? 'json' : (values.format ?? 'text');
  if (!FORMATS.includes(format)) throw new CliError(`unknown --format '${format}': one of ${FORMATS.join(', ')}`);
  const nd = !!values.ndjson;
  const emit = (o: unknown) => out(JSON.stringify(o));
  const outcome = await runJob({
    probe,
    params: parseParams(values.param),
    durationMs: parseDuration(values.duration),
    server: maybeRemote(values.server),
    quiet: !!values.quiet,
    ...(nd ? { onAttached: (variant: string | null) => emit({ type: 'attached', variant }), onEvents: (events: unknown[]) => emit({ type: 'events', events }) } : {}),
  });
  for (const w of outcome.result.warnings) note(`warning: ${w}`);
  if (nd) emit({ type: 'result', status: outcome.status, result: outcome.result });
  else if (format === 'json') out(JSON.stringify(outcome.result, null, 2));
  else if (outcome.result.data !== null && outcome.result.data !== undefined) {
    out(format === 'text' ? await outcome.text() : await outcome.render!(format));
  }
  return finalCode(outcome);
}

function finalCode(o: JobOutcome): number {
  if (o.result.error) {
    note(`${o.result.probe} ${o.status}: ${o.result.error.type}: ${o.result.error.message}`);
    return 2;
  }
  if (o.status === 'interrupted') {
    note(`${o.result.probe} was interrupted`);
    return 2;
  }
  if (o.permalink && !process.stdout.isTTY) return 0;
  if (o.permalink) note(`result: ${o.permalink}`);
  return 0;
}

// ---- jobs, show, stop ----------------------------------------------------------------------

export async function jobs(argv: string[]): Promise<number> {
  const { values } = parse(argv, { server: { type: 'string', short: 's' }, status: { type: 'string' }, probe: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) return usage('jobs');
  const query: Record<string, string | number> = {};
  if (values.status) query.status = values.status;
  if (values.probe) query.probe = values.probe;
  if (values.limit) query.limit = Number(values.limit);
  const page = unwrap(await client(remote(values.server)).GET('/v1/jobs', { params: { query: query as never } })) as { jobs: Job[] };
  if (values.json) return out(JSON.stringify(page, null, 2)), 0;
  out(`${'ID'.padEnd(28)}  ${'PROBE'.padEnd(12)}  ${'STATUS'.padEnd(11)}  ${'CREATED'.padEnd(24)}  DURATION`);
  for (const j of page.jobs) {
    out(`${j.id.padEnd(28)}  ${j.probe.padEnd(12)}  ${j.status.padEnd(11)}  ${j.createdAt.padEnd(24)}  ${fmtMs(j.result?.durationMs ?? j.durationMs)}`);
  }
  return 0;
}

export async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { server: { type: 'string', short: 's' }, json: { type: 'boolean' }, format: { type: 'string', short: 'f' } }, 1);
  if (values.help) return usage('show');
  const id = positionals[0];
  if (!id) throw new CliError('which job? usage: sonde show <id>');
  const api = client(remote(values.server));
  const format = values.json ? 'json' : (values.format ?? 'text');
  if (!FORMATS.includes(format)) throw new CliError(`unknown --format '${format}': one of ${FORMATS.join(', ')}`);
  const job = await getJob(api, id);
  if (format === 'json') return out(JSON.stringify(job, null, 2)), 0;
  if (!job.result || job.result.data === null || job.result.data === undefined) {
    out(`${job.id} ${job.probe} ${job.status}${job.error ? `: ${job.error.type}: ${job.error.message}` : ''}`);
    return job.error ? 2 : 0;
  }
  const r = await api.GET('/v1/jobs/{id}', { params: { path: { id }, query: { format: format as 'text' } }, parseAs: 'text' });
  if (!r.response.ok) unwrap(r as never);
  out(r.data as unknown as string);
  return 0;
}

export async function stop(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { server: { type: 'string', short: 's' }, wait: { type: 'boolean', short: 'w' } }, 1);
  if (values.help) return usage('stop');
  const id = positionals[0];
  if (!id) throw new CliError('which job? usage: sonde stop <id>');
  const api = client(remote(values.server));
  let job = await stopJob(api, id);
  if (values.wait) job = await waitForJob(api, id, { intervalMs: 100 });
  out(`${job.id} ${job.status}`);
  return 0;
}

// ---- check ---------------------------------------------------------------------------------

export async function check(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...JOB_OPTIONS,
      assert: { type: 'string', short: 'a', multiple: true, default: [] as string[] },
      baseline: { type: 'string' },
      'max-regression': { type: 'string' },
      'regression-metrics': { type: 'string' },
      junit: { type: 'string' },
      markdown: { type: 'string' },
      save: { type: 'string' },
      json: { type: 'boolean' },
    },
    Infinity,
  );
  if (values.help) return usage('check');
  const [probe, ...rest] = positionals;
  if (!probe) throw new CliError("which probe? usage: sonde check <probe> --assert 'p99 < 5ms' [...]");
  const sources = [...values.assert, ...rest];
  if (sources.length === 0 && !values.baseline) throw new CliError("nothing to check: give --assert 'p99 < 5ms' (or --baseline file)");
  let assertions;
  try {
    assertions = parseAssertions(sources);
  } catch (err) {
    if (err instanceof AssertionSyntaxError) throw new CliError(`bad assertion: ${err.message}`);
    throw err;
  }
  let regression: Regression | undefined;
  if (values.baseline) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(values.baseline, 'utf8'));
    } catch (err) {
      throw new CliError(`cannot read baseline ${values.baseline}: ${(err as Error).message}`);
    }
    let baseline;
    try {
      baseline = baselineFrom(doc);
    } catch (err) {
      throw new CliError(`baseline ${values.baseline}: ${(err as Error).message}`);
    }
    if (baseline.probe !== probe) throw new CliError(`baseline ${values.baseline} is a ${baseline.probe} result, not ${probe}`);
    let maxIncrease: number;
    try {
      maxIncrease = parsePercent(values['max-regression'] ?? '0%');
    } catch (err) {
      throw new CliError(`--max-regression: ${(err as Error).message}`);
    }
    const metrics = (values['regression-metrics'] ?? 'p99').split(',').map((m) => m.trim()).filter(Boolean);
    for (const m of metrics) {
      try {
        if (parseAssertion(`${m} >= 0`).left.type !== 'metric') throw new Error('not a metric');
      } catch (err) {
        throw new CliError(`--regression-metrics: '${m}': ${(err as Error).message}`);
      }
    }
    regression = { baseline, maxIncrease, metrics };
  } else if (values['max-regression']) throw new CliError('--max-regression needs --baseline');

  const outcome = await runJob({
    probe,
    params: parseParams(values.param),
    durationMs: parseDuration(values.duration),
    server: maybeRemote(values.server),
    quiet: !!values.quiet,
  });
  let report: CheckReport = evaluateCheck(outcome.result, assertions, regression);
  if (outcome.status === 'failed' || outcome.status === 'interrupted') {
    report = { ...report, status: 'error', error: report.error ?? `the job ended ${outcome.status}` };
  }
  const link = outcome.permalink ? { permalink: outcome.permalink } : {};
  if (values.save) writeFileSync(values.save, `${JSON.stringify(outcome.result, null, 2)}\n`);
  if (values.junit) writeFileSync(values.junit, toJUnit(report, link));
  if (values.markdown) writeFileSync(values.markdown, toMarkdown(report, link), { flag: values.markdown === process.env.GITHUB_STEP_SUMMARY ? 'a' : 'w' });
  if (values.json) out(JSON.stringify(report, null, 2));
  else printReport(report);
  return EXIT_CODES[report.status];
}

const MARK = { pass: 'PASS', fail: 'FAIL', error: 'ERROR' } as const;

function printReport(r: CheckReport): void {
  if (r.error) out(`ERROR  ${r.error}`);
  for (const a of r.results) out(`${MARK[a.outcome].padEnd(5)}  ${a.name}  (${a.message})`);
  out(`${r.probe} ${r.jobId}: ${r.status} — ${r.passed} passed, ${r.failed} failed, ${r.errors} errors in ${fmtMs(r.durationMs)}`);
}

// ---- usage ---------------------------------------------------------------------------------

const USAGE: Record<string, string> = {
  main: `usage: sonde <command> [options]

  serve                      start the control plane (SONDE_* settings; --host --port --data-dir --max-jobs)
  probes                     list probes and whether they can run here
  run <probe>                run a bounded job and print its result
  check <probe> --assert A   run a job and check assertions (CI): exit 0 pass, 1 fail, 2 could not run
  jobs                       list jobs on a server
  show <id>                  show a job's result
  stop <id>                  stop a running job (its partial result is kept)

Talks to a server with --server URL or $SONDE_SERVER (token: $SONDE_TOKEN); run and check
without one run in-process (root). \`sonde <command> --help\` for options.`,
  serve: 'usage: sonde serve [--host 127.0.0.1] [--port 7070] [--data-dir ./data] [--max-jobs 8] [--fleet (coordinator: SONDE_FLEET_AGENTS or SONDE_FLEET_SERVICE)]',
  probes: 'usage: sonde probes [--server URL] [--json]',
  run: `usage: sonde run <probe> [--duration 10s] [--param k=v ...] [--server URL] [--json | --ndjson | --format text|markdown|slack] [--quiet]

  --param k=v   JSON when it parses (443, true, "x", {"a":1}); a comma list is an array (rport=443,8443)
  Ctrl-C stops the job early and prints the partial result; a second Ctrl-C exits at once.`,
  jobs: 'usage: sonde jobs [--server URL] [--status S] [--probe P] [--limit N] [--json]',
  show: 'usage: sonde show <id> [--server URL] [--json | --format text|markdown|slack]',
  stop: 'usage: sonde stop <id> [--server URL] [--wait]',
  check: `usage: sonde check <probe> --assert 'p99 < 5ms' [--assert ...] [--duration 10s] [--param k=v ...] [--server URL]
                   [--baseline base.json --max-regression 20% [--regression-metrics p99,avg]]
                   [--junit out.xml] [--markdown out.md] [--save result.json] [--json]

  assertions: <metric> <op> <value>, op one of < <= > >= == !=
    histogram stats: count sum avg min max p50 p90 p99 (any pNN), times with units ns us ms s
    labels pick keyed histograms or report rows: p99{key=10.0.0.7}, drops{reason=TCP_LISTEN_OVERFLOW}
    /s is a rate over the job's duration: events/s < 1
    kernel counters of the watched namespace (nstat names): counter{ListenOverflows} == 0,
      crosscheck{ListenOverflows} == agree (the probe's figure against the counter), crosscheck == agree
  exit code: 0 all passed, 1 an assertion failed, 2 the check could not run`,
};

export function usage(cmd = 'main'): number {
  out(USAGE[cmd] ?? USAGE.main!);
  return 0;
}

export const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = { serve, probes, run, jobs, show, stop, check };

export { pathToFileURL };
