/**
 * Kernel tests run for real. Without root they skip with the reason — except where
 * SONDE_REQUIRE_KERNEL=1 (CI), where a skip would hide a regression, so it fails instead.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { permissionProblem } from '@sonde/core-loader';

const problem = permissionProblem();

export const kernelSkipReason = problem ? `kernel tests need privileges: ${problem}` : undefined;

export function describeKernel(name: string, fn: () => void): void {
  if (!problem) {
    describe(name, fn);
  } else if (process.env.SONDE_REQUIRE_KERNEL === '1') {
    describe(name, () => {
      throw new Error(`${kernelSkipReason} (SONDE_REQUIRE_KERNEL=1 makes this a failure)`);
    });
  } else {
    describe.skip(`${name} — skipped: ${kernelSkipReason}`, fn);
  }
}

/** The probes of this checkout, as their packages name them (packages/probes-<name>/): found, not listed. */
export function probeNames(root = fileURLToPath(new URL('../..', import.meta.url))): string[] {
  return readdirSync(join(root, 'packages'))
    .filter((d) => d.startsWith('probes-') && existsSync(join(root, 'packages', d, 'package.json')))
    .map((d) => d.slice('probes-'.length))
    .sort();
}

/** Names of loaded BPF programs whose name starts with one of the prefixes (default: every probe's `<probe>_`, and `sonde`). */
export function loadedPrograms(prefixes: string[] = [...probeNames().map((n) => `${n}_`), 'sonde']): string[] {
  const out = execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' });
  const progs = JSON.parse(out) as Array<{ name?: string }>;
  return progs.map((p) => p.name ?? '').filter((n) => prefixes.some((p) => n.startsWith(p)));
}

/**
 * The project's programs still loaded after up to `ms`: the kernel frees a closed program's memory
 * asynchronously (RCU), so a leak check retries briefly before it counts anything as a leak.
 */
export async function programsLeft(ms = 5000, prefixes?: string[]): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    const left = loadedPrograms(prefixes);
    if (left.length === 0 || Date.now() > until) return left;
    await new Promise((r) => setTimeout(r, 25));
  }
}
