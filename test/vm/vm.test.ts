/**
 * The kernel matrix's own parts, without booting anything: module load order from modules.dep, the
 * newc archive the initramfs is written as (read back by busybox cpio), and the matrix table read
 * back from run folders.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM tooling without types
import { Cpio, moduleOrder } from './initramfs.mjs';
// @ts-expect-error plain ESM tooling without types
import { readRun, renderMatrix } from './report.mjs';

describe('test/vm', () => {
  it('loads modules dependencies first, each once, skipping what the kernel has built in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sonde-vm-'));
    writeFileSync(
      join(dir, 'modules.dep'),
      [
        'kernel/fs/9p/9p.ko.xz: kernel/net/9p/9pnet.ko.xz kernel/fs/netfs/netfs.ko.xz',
        'kernel/net/9p/9pnet_virtio.ko.xz: kernel/net/9p/9pnet.ko.xz',
        'kernel/net/9p/9pnet.ko.xz:',
        'kernel/fs/netfs/netfs.ko.xz:',
        'kernel/fs/overlayfs/overlay.ko.xz:',
        '',
      ].join('\n'),
    );
    expect(moduleOrder(dir)).toEqual([
      'kernel/net/9p/9pnet.ko.xz',
      'kernel/net/9p/9pnet_virtio.ko.xz',
      'kernel/fs/netfs/netfs.ko.xz',
      'kernel/fs/9p/9p.ko.xz',
      'kernel/fs/overlayfs/overlay.ko.xz',
    ]);
  });

  it('writes a newc archive that cpio lists and extracts byte for byte', () => {
    const c = new Cpio();
    c.dir('bin');
    c.file('bin/hello', Buffer.from('#!/bin/sh\necho hi\n'), true);
    c.symlink('bin/sh', 'busybox');
    c.file('odd', Buffer.from('abc')); // a length that needs padding
    const dir = mkdtempSync(join(tmpdir(), 'sonde-cpio-'));
    writeFileSync(join(dir, 'a.cpio'), c.finish());
    const list = execFileSync('busybox', ['cpio', '-t', '-F', join(dir, 'a.cpio')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(list.trim().split('\n')).toEqual(['bin', 'bin/hello', 'bin/sh', 'odd']);
    mkdirSync(join(dir, 'x'));
    execFileSync('busybox', ['cpio', '-i', '-d', '-F', join(dir, 'a.cpio')], { cwd: join(dir, 'x'), stdio: 'ignore' });
    expect(execFileSync('cat', [join(dir, 'x/odd')], { encoding: 'utf8' })).toBe('abc');
    expect(execFileSync('readlink', [join(dir, 'x/bin/sh')], { encoding: 'utf8' }).trim()).toBe('busybox');
  });

  it('reads a run folder into probe × kernel cells with the variants that attached', () => {
    const project = mkdtempSync(join(tmpdir(), 'sonde-proj-'));
    for (const p of ['tcprtt', 'tcpdrop']) {
      mkdirSync(join(project, 'packages', `probes-${p}`), { recursive: true });
      writeFileSync(join(project, 'packages', `probes-${p}`, 'package.json'), '{}');
    }
    const run = join(project, '.cache/vm/runs/6.1');
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, 'kernel'), '6.1.0-57-amd64\n');
    writeFileSync(join(run, 'meta.json'), JSON.stringify({ ms: 60_000, exit: 1, attempt: 1 }));
    writeFileSync(join(run, 'variants.jsonl'), '{"probe":"tcprtt","variant":"tp_btf"}\n{"probe":"tcpdrop","variant":null,"error":"probe-rejected-by-verifier"}\n');
    writeFileSync(
      join(run, 'report.json'),
      JSON.stringify({
        testResults: [
          { name: `${project}/test/tcprtt.kernel.test.ts`, status: 'passed', assertionResults: [{ title: 'a', status: 'passed' }, { title: 'b', status: 'passed' }] },
          { name: `${project}/test/tcpdrop.kernel.test.ts`, status: 'failed', assertionResults: [{ title: 'drops', status: 'failed', failureMessages: ['expected 3 to be 4\n  at x'] }] },
          { name: `${project}/test/owner-probes.kernel.test.ts`, status: 'passed', assertionResults: [{ title: 'o', status: 'passed' }] },
        ],
      }),
    );
    const r = readRun(run, '6.1');
    expect(r.ok).toBe(false);
    // the cross-probe owner file counts in the run, not as a probe
    expect(r.summary).toBe('6.1.0-57-amd64: 3 passed, 1 failed, 1/2 probes green, 1.0 min');
    const table = renderMatrix([r], project).split('\n');
    expect(table.slice(0, 5)).toEqual([
      '| probe | 6.1.0-57-amd64 |',
      '|---|---|',
      '| tcpdrop | ❌ 1 failed refused: probe-rejected-by-verifier |',
      '| tcprtt | ✅ tp_btf |',
      '| owners (pods, containers) | ✅ 1 tests |',
    ]);
    expect(table).toContain('- 6.1: tcpdrop: drops: expected 3 to be 4');
  });
});
