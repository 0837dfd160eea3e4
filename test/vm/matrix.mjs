#!/usr/bin/env node
/**
 * The kernel matrix: every probe's real-kernel test inside Debian's 6.1 and 6.12 kernels booted under
 * qemu (one boot per kernel, the kernels side by side), plus the host's own run when there is one.
 * Prints probe × kernel → the hook variant that ran and pass/fail, the time per kernel, and exits
 * non-zero when any test failed or a guest did not come back.
 *
 *   node test/vm/matrix.mjs [--kernels 6.1,6.12] [--host] [--update-readme] [--files a,b]
 *   node test/vm/matrix.mjs --cmd 'node test/vm/variants.mjs'   (a command in each guest instead; prints its output)
 *
 * --host runs the same test files on this machine first (CI reuses its `npm test` run instead).
 * --update-readme writes the table into README.md between the matrix markers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boot } from './boot.mjs';
import { buildInitramfs } from './initramfs.mjs';
import { fetchKernel, KERNELS } from './kernels.mjs';
import { hostRunDir, probeTestFiles, readRun, renderMatrix, RUNS } from './report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const project = resolve(here, '../..');
const cache = join(project, '.cache');
const arg = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
};
const flag = (name) => process.argv.includes(`--${name}`);

/** Whole guest (boot + tests), then the hard stop; sized for TCG's ~15× slower JavaScript. */
const TEST_TIMEOUT_S = Number(process.env.SONDE_VM_TEST_TIMEOUT_S ?? 2400);
const MEM_MIB = Number(process.env.SONDE_VM_MEM_MIB ?? 2048);

function log(msg) {
  process.stderr.write(`[matrix ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function runKernel(k, files, cmd) {
  const t0 = Date.now();
  const kernel = fetchKernel(join(cache, 'kernels'), k);
  const runDir = join(cache, RUNS, k.id);
  const initrd = join(cache, 'kernels', kernel.pkg, 'initramfs.cpio');
  if (!existsSync(initrd)) buildInitramfs(kernel, initrd);
  const fetchMs = Date.now() - t0;
  for (let attempt = 1; ; attempt++) {
    rmSync(runDir, { recursive: true, force: true });
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'config'), readFileSync(kernel.config));
    writeFileSync(
      join(runDir, 'job.env'),
      [`PROJECT='${project}'`, `TESTS='${files.join(' ')}'`, `TIMEOUT_S=${TEST_TIMEOUT_S}`, `CMD=${cmd ? `'${cmd.replace(/'/g, `'\\''`)}'` : ''}`, 'export SONDE_REQUIRE_KERNEL=1', ''].join('\n'),
    );
    log(`${k.id}: booting ${kernel.pkg} (${kernel.kver})${attempt > 1 ? ', second attempt' : ''}`);
    const r = await boot({
      kernel, initrd, runDir, guestScript: join(here, 'guest.sh'), memMiB: MEM_MIB, cpus: 1,
      timeoutMs: (TEST_TIMEOUT_S + 300) * 1000,
    });
    writeFileSync(join(runDir, 'meta.json'), JSON.stringify({ pkg: kernel.pkg, kver: kernel.kver, ms: r.ms, fetchMs, attempt, booted: r.booted, exit: r.exit, timedOut: r.timedOut }));
    if (!r.booted && attempt === 1) {
      log(`${k.id}: the guest did not reach its root; console tail:\n${r.console}\nretrying once`);
      continue;
    }
    log(`${k.id}: done in ${(r.ms / 60000).toFixed(1)} min, tests exit ${r.exit ?? 'none'}${r.timedOut ? ' (timed out)' : ''}`);
    if (r.exit !== 0) log(`${k.id}: console tail:\n${r.console}`);
    return r;
  }
}

function runHost(files) {
  const runDir = hostRunDir(project);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  log(`host: running ${files.length} files on ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}`);
  const t0 = Date.now();
  const r = spawnSync('npx', ['vitest', 'run', ...files, '--reporter=default', '--reporter=json', `--outputFile.json=${join(runDir, 'report.json')}`], {
    cwd: project, stdio: 'inherit', env: { ...process.env, SONDE_VARIANT_LOG: join(runDir, 'variants.jsonl'), SONDE_REQUIRE_KERNEL: '1' },
  });
  writeFileSync(join(runDir, 'meta.json'), JSON.stringify({ kver: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(), ms: Date.now() - t0, exit: r.status }));
}

async function main() {
  const started = Date.now();
  const wanted = (arg('kernels') ?? KERNELS.map((k) => k.id).join(',')).split(',');
  const kernels = KERNELS.filter((k) => wanted.includes(k.id));
  const files = (arg('files')?.split(',') ?? probeTestFiles(project)).map((f) => relative(project, resolve(project, f)));
  if (flag('host')) runHost(files);
  log(`kernels ${kernels.map((k) => k.id).join(', ')}; ${files.length} test files`);
  // the kernels side by side, one vCPU each (two TCG guests on two cores ≈ 1.9× the throughput of one)
  const cmd = arg('cmd');
  const results = await Promise.all(kernels.map((k) => runKernel(k, files, cmd).catch((err) => ({ error: err }))));
  if (cmd) {
    for (const k of kernels) process.stdout.write(`\n===== ${k.id} =====\n${readFileSync(join(cache, RUNS, k.id, 'vitest.log'), 'utf8')}`);
    process.exit(results.every((r) => r.exit === 0) ? 0 : 1);
  }
  const runs = [];
  const hostDir = hostRunDir(project);
  if (existsSync(join(hostDir, 'report.json'))) runs.push(readRun(hostDir, 'host'));
  kernels.forEach((k, i) => {
    const r = results[i];
    if (r.error) log(`${k.id}: ${r.error.message}`);
    runs.push(readRun(join(cache, RUNS, k.id), k.id));
  });
  const table = renderMatrix(runs, project);
  process.stdout.write(`\n${table}\n`);
  for (const r of runs) process.stdout.write(`${r.label}: ${r.summary}\n`);
  process.stdout.write(`matrix wall time ${((Date.now() - started) / 60000).toFixed(1)} min\n`);
  if (flag('update-readme')) {
    const readme = join(project, 'README.md');
    const text = readFileSync(readme, 'utf8');
    const re = /(<!-- kernel-matrix:begin -->\n)[\s\S]*?(<!-- kernel-matrix:end -->)/;
    if (!re.test(text)) throw new Error('README.md has no kernel-matrix markers');
    writeFileSync(readme, text.replace(re, `$1${table}\n$2`));
    log('README.md matrix updated');
  }
  const bad = runs.filter((r) => !r.ok);
  if (bad.length) {
    log(`failed: ${bad.map((r) => `${r.label} (${r.summary})`).join('; ')}`);
    process.exit(1);
  }
}

main().catch((err) => {
  log(err.stack ?? String(err));
  process.exit(2);
});
