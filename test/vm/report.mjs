/**
 * Reading the matrix's runs back: which test files belong to which probe, what vitest reported in
 * each run folder, which hook variant each probe attached with (the loader's SONDE_VARIANT_LOG), and
 * the Markdown table of probe × kernel.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * Run folders live in .cache/<RUNS>/<kernel id>; the host's run is `host`. SONDE_VM_RUNS names
 * another folder, so that two matrix runs at once (say, while working on two probes) do not mix.
 */
export const RUNS = `vm/${process.env.SONDE_VM_RUNS ?? 'runs'}`;
export const hostRunDir = (project) => join(project, '.cache', RUNS, 'host');

/** The probes, as the packages name them. */
export function probeNames(project) {
  return readdirSync(join(project, 'packages'))
    .filter((d) => d.startsWith('probes-') && existsSync(join(project, 'packages', d, 'package.json')))
    .map((d) => d.slice('probes-'.length))
    .sort();
}

/**
 * Kernel test files that exercise several probes at once and belong in the matrix too, each group a row
 * of its own: test/<prefix>*.kernel.test.ts.
 */
export const CROSS_PROBE = [
  { row: 'owners (pods, containers)', prefix: 'owner-' },
  { row: 'catalogue (each probe loads its preferred variant; every fitting variant passes the verifier)', prefix: 'catalogue-' },
];

/**
 * Each probe's kernel test files: test/<probe>.kernel.test.ts, test/<probe>-*.kernel.test.ts, and any in its
 * package; and the cross-probe files (CROSS_PROBE).
 */
export function probeTestFiles(project) {
  const files = [];
  const names = probeNames(project);
  for (const f of readdirSync(join(project, 'test'))) {
    if (!f.endsWith('.kernel.test.ts')) continue;
    if (names.some((n) => f === `${n}.kernel.test.ts` || f.startsWith(`${n}-`)) || CROSS_PROBE.some((c) => f.startsWith(c.prefix))) files.push(join('test', f));
  }
  for (const n of names) {
    const dir = join('packages', `probes-${n}`, 'test');
    if (existsSync(join(project, dir))) for (const f of readdirSync(join(project, dir))) if (f.endsWith('.kernel.test.ts')) files.push(join(dir, f));
  }
  return files.sort();
}

function probeOfFile(file, names) {
  const b = basename(file);
  // a cross-probe row is its kernel tests (the host run also reports unit tests such as owner-filters.test.ts)
  return names.find((n) => b === `${n}.kernel.test.ts` || b.startsWith(`${n}-`) || file.includes(`probes-${n}/`)) ?? CROSS_PROBE.find((c) => b.startsWith(c.prefix) && b.endsWith('.kernel.test.ts'))?.row;
}

/** One run folder: per probe, tests passed/failed and the variants that attached. */
export function readRun(dir, label) {
  const project = join(dir, '../../../..');
  const names = probeNames(project);
  const meta = existsSync(join(dir, 'meta.json')) ? JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) : {};
  const probes = new Map([...names, ...CROSS_PROBE.map((c) => c.row)].map((n) => [n, { passed: 0, failed: 0, variants: new Set(), refusals: new Set(), failures: [] }]));
  let report = null;
  try {
    report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  } catch {
    /* no report: the guest did not come back */
  }
  let passed = 0, failed = 0;
  for (const file of report?.testResults ?? []) {
    const p = probes.get(probeOfFile(file.name, names));
    const tests = file.assertionResults ?? [];
    for (const t of tests) {
      if (t.status === 'passed') passed++;
      if (t.status === 'failed') failed++;
      if (!p) continue;
      if (t.status === 'passed') p.passed++;
      if (t.status === 'failed') {
        p.failed++;
        p.failures.push(`${t.title}: ${(t.failureMessages?.[0] ?? '').split('\n')[0]}`);
      }
    }
    // a file that failed before any test ran (import error, suite-level throw)
    if (file.status === 'failed' && tests.every((t) => t.status !== 'failed')) {
      failed++;
      if (p) {
        p.failed++;
        p.failures.push(`file: ${(file.message ?? '').split('\n')[0]}`);
      }
    }
  }
  if (existsSync(join(dir, 'variants.jsonl'))) {
    for (const line of readFileSync(join(dir, 'variants.jsonl'), 'utf8').split('\n')) {
      if (!line) continue;
      const v = JSON.parse(line);
      if (v.variant) probes.get(v.probe)?.variants.add(v.variant);
      else if (v.error) probes.get(v.probe)?.refusals.add(v.error);
    }
  }
  const kver = existsSync(join(dir, 'kernel')) ? readFileSync(join(dir, 'kernel'), 'utf8').trim() : meta.kver ?? '?';
  const ok = report !== null && failed === 0 && meta.exit === 0;
  const mins = meta.ms ? `${(meta.ms / 60000).toFixed(1)} min` : '?';
  const summary = report
    ? `${kver}: ${passed} passed, ${failed} failed, ${names.filter((n) => probes.get(n).passed > 0 && probes.get(n).failed === 0).length}/${names.length} probes green, ${mins}${meta.attempt > 1 ? ' (booted on the second attempt)' : ''}`
    : `${kver}: no test report (${meta.booted === false ? 'did not boot' : meta.timedOut ? 'timed out' : `exit ${meta.exit ?? 'none'}`}), ${mins}`;
  return { label, kver, ok, probes, summary, failures: [...probes].flatMap(([n, p]) => p.failures.map((f) => `${n}: ${f}`)) };
}

/** probe × kernel → variant(s) that attached, and ✅/❌ from that kernel's tests of the probe. */
export function renderMatrix(runs, project) {
  const names = probeNames(project);
  const head = `| probe | ${runs.map((r) => `${r.label === 'host' ? 'host ' : ''}${r.kver}`).join(' | ')} |`;
  const rule = `|---|${runs.map(() => '---').join('|')}|`;
  const cross = CROSS_PROBE.map((c) => c.row);
  const rows = [...names, ...cross].map((n) => {
    const cells = runs.map((r) => {
      const p = r.probes.get(n);
      if (!p || p.passed + p.failed === 0) return 'not run';
      const mark = p.failed === 0 ? '✅' : `❌ ${p.failed} failed`;
      if (cross.includes(n)) return `${mark} ${p.passed + p.failed} tests`;
      // no variant attached: the jobs were refused (the tests check the refusal), or never got that far
      const v = [...p.variants].sort().join(', ') || (p.refusals.size ? `refused: ${[...p.refusals].sort().join(', ')}` : 'nothing attached');
      return `${mark} ${v}`;
    });
    return `| ${n} | ${cells.join(' | ')} |`;
  });
  const stamp = `Generated by \`npm run test:kernels -- --host --update-readme\` on ${new Date().toISOString().slice(0, 10)}; ${runs.map((r) => `${r.label}: ${r.summary}`).join('; ')}.`;
  const fails = runs.flatMap((r) => r.failures.map((f) => `- ${r.label}: ${f}`));
  return [head, rule, ...rows, '', stamp, ...(fails.length ? ['', 'Failures:', ...fails] : [])].join('\n');
}
