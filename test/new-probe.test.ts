/**
 * `npm run new-probe`: the template becomes a probe folder with its name everywhere and nothing left of
 * the placeholders, in one folder of (at most) 8 files; bad names and existing probes are refused; its C
 * compiles, and its TypeScript (tests included) type-checks against the layout generated from that object.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = new URL('../scripts/new-probe.mjs', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

describe('new-probe', () => {
  const root = mkdtempSync(join(tmpdir(), 'sonde-new-probe-'));
  mkdirSync(join(root, 'packages'));
  // rmSync removes the node_modules symlink, never what it points at
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { env: { ...process.env, SONDE_NEW_PROBE_ROOT: root }, encoding: 'utf8' });

  it('makes one folder of 8 files named for the probe, with no placeholder left', () => {
    const r = run('tcpexample', 'Example: TCP state changes');
    expect(r.status, r.stderr).toBe(0);
    const dir = join(root, 'packages', 'probes-tcpexample');
    const got = files(dir).map((f) => relative(dir, f)).sort();
    expect(got).toEqual(['README.md', 'bpf/tcpexample.bpf.c', 'bpf/tcpexample.h', 'package.json', 'src/index.test.ts', 'src/index.ts', 'test/tcpexample.kernel.test.ts', 'tsconfig.json']);
    for (const f of files(dir)) expect(readFileSync(f, 'utf8'), f).not.toMatch(/__probe__|__Probe__|__PROBE__|__summary__/);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; description: string; scripts: { build: string } };
    expect(pkg.name).toBe('@sonde/probes-tcpexample');
    expect(pkg.description).toBe('Example: TCP state changes');
    expect(pkg.scripts.build).not.toMatch(/tcpexample/); // the same build line in every probe
    expect(readFileSync(join(dir, 'bpf/tcpexample.bpf.c'), 'utf8')).toMatch(/SONDE_STATE_HOOKS\(handle, tcpexample_btf, tcpexample_tp\)/);
    expect(readFileSync(join(dir, 'src/index.ts'), 'utf8')).toMatch(/name: 'tcpexample'/);
  });

  it('refuses a bad name and a probe that exists', () => {
    for (const bad of ['', 'Tcp', 'x', 'tcp-reset', 'averyveryverylongname']) expect(run(bad).status, bad).toBe(2);
    const again = run('tcpexample');
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/exists already/);
  });

  it('the template’s C compiles as the probe build compiles it', () => {
    const dir = join(root, 'packages', 'probes-tcpexample');
    const inc = new URL('../bpf/include', import.meta.url).pathname;
    const out = join(root, 'x.bpf.o');
    execFileSync('clang', ['-target', 'bpf', '-g', '-O2', '-Wall', '-Werror', '-D__TARGET_ARCH_x86', `-I${inc}`, `-I/usr/include/${process.arch === 'x64' ? 'x86_64' : 'aarch64'}-linux-gnu`, '-c', join(dir, 'bpf/tcpexample.bpf.c'), '-o', out]);
    expect(statSync(out).size).toBeGreaterThan(0);
  });

  it('the template’s TypeScript, its unit test included, type-checks against the layout generated from its object', () => {
    const dir = join(root, 'packages', 'probes-tcpexample');
    const repo = new URL('..', import.meta.url).pathname;
    // the layout as the probe build writes it (bpf/Makefile: gen-layout.mjs on the object just compiled)
    execFileSync(process.execPath, [join(repo, 'bpf/gen-layout.mjs'), join(root, 'x.bpf.o'), join(dir, 'src/layout.gen.ts')]);
    expect(readFileSync(join(dir, 'src/layout.gen.ts'), 'utf8')).toMatch(/export const programs = /);
    // the copy sits where a probe sits in the repo: the base tsconfig two levels up, the workspace's packages in node_modules
    copyFileSync(join(repo, 'tsconfig.base.json'), join(root, 'tsconfig.base.json'));
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    writeFileSync(join(dir, 'tsconfig.check.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, include: ['src/**/*.ts'], exclude: [] }));
    const tsc = spawnSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.check.json')], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
