/**
 * Shared by the addon's tests: the addon itself, the fixture objects (compiled on first use, so the
 * tests also run from the root vitest config), bpftool leak checks and bounded waits.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import type * as Native from '../index';

const here = dirname(fileURLToPath(import.meta.url));
export const nativeDir = join(here, '..');
export const buildDir = join(here, 'build');

function newer(src: string[], out: string): boolean {
  if (!existsSync(out)) return true;
  const t = statSync(out).mtimeMs;
  return src.some((s) => statSync(s).mtimeMs > t);
}

/** Compile test/<name>.bpf.c into test/build/<name>.bpf.o when missing or stale. */
export function fixture(name: 'fixture' | 'bad'): string {
  mkdirSync(buildDir, { recursive: true });
  const vmlinux = join(buildDir, 'vmlinux.h');
  if (!existsSync(vmlinux)) {
    const h = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c'], {
      maxBuffer: 256 << 20,
    });
    writeFileSync(vmlinux, h);
  }
  const src = join(here, `${name}.bpf.c`);
  const out = join(buildDir, `${name}.bpf.o`);
  if (newer([src, join(here, 'fixture.h'), vmlinux], out)) {
    execFileSync('clang', ['-target', 'bpf', '-g', '-O2', '-mcpu=v3', '-D__TARGET_ARCH_x86',
      `-I${buildDir}`, `-I${here}`, '-c', src, '-o', out], { stdio: 'inherit' });
  }
  return out;
}

function loadAddon(): typeof Native {
  const node = join(nativeDir, 'build', 'Release', 'sonde_native.node');
  if (!existsSync(node)) execFileSync('npx', ['node-gyp', 'rebuild'], { cwd: nativeDir, stdio: 'inherit' });
  return createRequire(import.meta.url)('../index.js') as typeof Native;
}

export const native = loadAddon();

export const kernelSkipReason =
  process.getuid?.() === 0 ? undefined : 'needs root (CAP_BPF+CAP_PERFMON) to load BPF programs';

/** describe() for tests that load programs: skipped with the reason without root, failing in CI. */
export function describeKernel(name: string, fn: () => void): void {
  if (!kernelSkipReason) {
    describe(name, fn);
  } else if (process.env.SONDE_REQUIRE_KERNEL === '1') {
    describe(name, () => {
      throw new Error(`${kernelSkipReason} (SONDE_REQUIRE_KERNEL=1 makes this a failure)`);
    });
  } else {
    describe.skip(`${name} — skipped: ${kernelSkipReason}`, fn);
  }
}

export interface ProgShow {
  id: number;
  name?: string;
}

export function loadedPrograms(): ProgShow[] {
  return JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as ProgShow[];
}

export function fixturePrograms(): ProgShow[] {
  return loadedPrograms().filter((p) => p.name?.startsWith('sondefix_'));
}

/** Poll until cond() holds or timeoutMs passes; returns the last cond() value. The kernel frees
 * programs asynchronously (RCU), so a just-closed program can show up in bpftool for a moment. */
export async function waitFor(cond: () => boolean, timeoutMs = 3000, stepMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (let i = 0; i < 1000 && Date.now() < end; i++) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return cond();
}

export function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

export function i64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(v);
  return b;
}

/** x86_64 syscall numbers the tests trigger (process.ppid calls getppid(2) each time). */
export const NR_getppid = 110;

export interface FixtureEvent {
  seq: bigint;
  tgid: number;
  magic: number;
  stackId: number;
  nr: number;
}

/** struct event of fixture.h (24 bytes). */
export function decodeEvent(b: Buffer): FixtureEvent {
  return {
    seq: b.readBigUInt64LE(0),
    tgid: b.readUInt32LE(8),
    magic: b.readUInt32LE(12),
    stackId: b.readInt32LE(16),
    nr: b.readUInt32LE(20),
  };
}

/** Open the fixture with the tests' globals set: record this process, tag events with magic. */
export function openFixture(magic = 0x50dec0de): Native.BpfObject {
  const obj = native.BpfObject.open(fixture('fixture'));
  obj.setGlobal('targ_tgid', u32(process.pid));
  obj.setGlobal('targ_magic', u32(magic));
  obj.setGlobal('targ_nr', i64(BigInt(NR_getppid)));
  return obj;
}

/** Each access of process.ppid is one getppid(2). */
export function getppid(n: number): void {
  let s = 0;
  for (let i = 0; i < n; i++) s += process.ppid;
  if (s < 0) throw new Error('unreachable');
}
