/**
 * `sonde` as the README writes it: `npx sonde …` from the checkout (the root package's `bin`), and —
 * after `scripts/setup.sh` as root — `sonde` on the PATH through /usr/local/bin. CI runs this in a
 * fresh clone, after the set-up `npm test` runs.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const cliVersion = (JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('the sonde command', () => {
  it('npx sonde runs the built CLI from the checkout', () => {
    expect(run('npx', ['--no-install', 'sonde', '--version']).trim()).toBe(cliVersion);
    const probes = JSON.parse(run('npx', ['--no-install', 'sonde', 'probes', '--json'])) as Array<{ name: string }>;
    const packages = readdirSync(join(root, 'packages')).filter((d) => d.startsWith('probes-')).map((d) => d.slice(7)).sort();
    expect(probes.map((p) => p.name).sort()).toEqual(packages);
  });

  // the link is made only by a set-up run as root (CI's is)
  it.skipIf(process.geteuid?.() !== 0)('set-up as root leaves sonde on the PATH, pointing at a built CLI', () => {
    const target = readlinkSync('/usr/local/bin/sonde');
    expect(target).toMatch(/packages\/cli\/dist\/main\.js$/);
    expect(execFileSync('sonde', ['--version'], { encoding: 'utf8', timeout: 60_000 }).trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
