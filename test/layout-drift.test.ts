/**
 * The generated layouts are the objects' own: every committed layout.gen.ts equals what bpf/gen-layout.mjs
 * writes from the built .bpf.o's BTF now. A C struct changed without a rebuild, or a layout edited by hand,
 * fails here. (Needs the build: `npm run build` compiles the objects first.)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const gen = join(root, 'bpf/gen-layout.mjs');
const probes = readdirSync(join(root, 'packages'))
  .filter((d) => d.startsWith('probes-') && existsSync(join(root, 'packages', d, 'src/layout.gen.ts')))
  .map((d) => d.slice('probes-'.length));

function generated(obj: string, sdk = false): string {
  const out = join(mkdtempSync(join(tmpdir(), 'sonde-layout-')), 'layout.gen.ts');
  execFileSync(process.execPath, [gen, obj, out, ...(sdk ? ['--sdk'] : [])]);
  return readFileSync(out, 'utf8');
}

describe('layouts generated from BTF', () => {
  it('finds every probe', () => {
    expect(probes.length).toBeGreaterThanOrEqual(15);
  });

  it.each(probes)('%s: layout.gen.ts is what its object says', (p) => {
    const obj = join(root, 'packages', `probes-${p}`, 'dist', `${p}.bpf.o`);
    expect(existsSync(obj), `${obj}: build first`).toBe(true);
    expect(readFileSync(join(root, 'packages', `probes-${p}`, 'src/layout.gen.ts'), 'utf8')).toBe(generated(obj));
  });

  it('probe-sdk: the shared structs of bpf/include', () => {
    expect(readFileSync(join(root, 'packages/probe-sdk/src/layout.gen.ts'), 'utf8')).toBe(generated(join(root, 'bpf/build/sdk.bpf.o'), true));
  });
});
