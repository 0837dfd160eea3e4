import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from './catalog.js';

function probeDir(root: string, name: string, pkg: unknown, files: Record<string, string> = {}): void {
  const dir = join(root, `probes-${name}`);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), typeof pkg === 'string' ? pkg : JSON.stringify(pkg));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
}

const sdkUrl = new URL('../../probe-sdk/dist/index.js', import.meta.url).href;
/** a real, built BPF object (the tcprtt probe's), for the probes that should load */
const realObject = readFileSync(new URL('../../probes-tcprtt/dist/tcprtt.bpf.o', import.meta.url)).toString('latin1');

describe('Catalog.discover', () => {
  const root = mkdtempSync(join(tmpdir(), 'sonde-catalog-'));
  probeDir(root, 'nojson', '{ not json');
  probeDir(root, 'nomanifest', { name: '@x/probes-nomanifest', version: '1.0.0' });
  probeDir(root, 'futuresdk', { name: '@x/probes-futuresdk', version: '1.0.0', sonde: { probe: './dist/index.js', sdk: '^9' } });
  probeDir(root, 'notbuilt', { name: '@x/probes-notbuilt', version: '1.0.0', sonde: { probe: './dist/index.js', sdk: '^1' } });
  probeDir(
    root,
    'throws',
    { name: '@x/probes-throws', version: '1.0.0', sonde: { probe: './dist/index.js', sdk: '^1' } },
    { 'dist/index.js': 'throw new Error("boom at import");' },
  );
  probeDir(
    root,
    'notaprobe',
    { name: '@x/probes-notaprobe', version: '1.0.0', sonde: { probe: './dist/index.js', sdk: '^1' } },
    { 'dist/index.js': 'export default { name: "notaprobe" };' },
  );
  const probeSrc = (name: string, variants: string) => `
    import { defineProbe } from '${sdkUrl}';
    import { z } from 'zod';
    export default defineProbe({
      name: '${name}', version: '1.2.3', summary: 's', output: 'histogram',
      params: z.object({ rport: z.number().int().min(1).max(65535).optional() }).strict(),
      bpf: { object: new URL('./x.bpf.o', import.meta.url).pathname, variants: ${variants} },
      run: async () => ({}), render: () => '',
    });`;
  probeDir(
    root,
    'nokernel',
    { name: '@x/probes-nokernel', version: '1.2.3', sonde: { probe: './dist/index.js', sdk: '^1' } },
    {
      'dist/index.js': probeSrc('nokernel', `[{ name: 'tp_btf', programs: ['p'], needs: [{ kind: 'tp_btf', event: 'no_such_event_xyz' }] }]`),
      'dist/x.bpf.o': '',
    },
  );
  probeDir(
    root,
    'good',
    { name: '@x/probes-good', version: '1.2.3', sonde: { probe: './dist/index.js', sdk: '^1' } },
    { 'dist/index.js': probeSrc('good', `[{ name: 'tp_btf', programs: ['tcprtt_tp_btf'], needs: [{ kind: 'btf' }] }]`) },
  );
  writeFileSync(join(root, 'probes-good', 'dist', 'x.bpf.o'), realObject, 'latin1');
  // a truncated ELF, and a valid object without the variant's program
  probeDir(
    root,
    'corrupt',
    { name: '@x/probes-corrupt', version: '1.2.3', sonde: { probe: './dist/index.js', sdk: '^1' } },
    { 'dist/index.js': probeSrc('corrupt', `[{ name: 'tp_btf', programs: ['tcprtt_tp_btf'], needs: [{ kind: 'btf' }] }]`) },
  );
  writeFileSync(join(root, 'probes-corrupt', 'dist', 'x.bpf.o'), realObject.slice(0, 700), 'latin1');
  probeDir(
    root,
    'mismatch',
    { name: '@x/probes-mismatch', version: '1.2.3', sonde: { probe: './dist/index.js', sdk: '^1' } },
    { 'dist/index.js': probeSrc('mismatch', `[{ name: 'tp_btf', programs: ['no_such_prog'], needs: [{ kind: 'btf' }] }]`) },
  );
  writeFileSync(join(root, 'probes-mismatch', 'dist', 'x.bpf.o'), realObject, 'latin1');
  // zod must resolve from the temp dir's modules: link the workspace's node_modules
  const { symlinkSync } = requireFs();
  symlinkSync(new URL('../../../node_modules', import.meta.url).pathname, join(root, 'node_modules'));

  it('lists every probe directory, broken ones with the reason, without throwing', async () => {
    const cat = await Catalog.discover({ dirs: [root] });
    const byName = Object.fromEntries(cat.list().map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(
      ['corrupt', 'futuresdk', 'good', 'mismatch', 'nojson', 'nokernel', 'nomanifest', 'notaprobe', 'notbuilt', 'throws'].sort(),
    );
    expect(byName.corrupt).toMatchObject({ available: false, reason: expect.stringMatching(/not a valid BPF ELF object/) });
    expect(byName.mismatch).toMatchObject({ available: false, reason: expect.stringMatching(/lacks program\(s\) no_such_prog/) });
    expect(byName.nojson!.reason).toMatch(/unreadable package.json/);
    expect(byName.nomanifest!.reason).toMatch(/invalid manifest: sonde/);
    expect(byName.futuresdk!.reason).toMatch(/needs probe SDK \^9/);
    expect(byName.notbuilt!.reason).toMatch(/missing \(package not built\?\)/);
    expect(byName.throws!.reason).toMatch(/cannot import .*boom at import/);
    expect(byName.notaprobe!.reason).toMatch(/defineProbe/);
    expect(byName.nokernel!.available).toBe(false);
    expect(byName.nokernel!.reason).toMatch(/tp_btf\/no_such_event_xyz/);
    expect(byName.good!.available).toBe(true);
    expect(byName.good!.variant).toBe('tp_btf');
    expect(byName.good!.version).toBe('1.2.3');
    expect(byName.good!.paramsSchema).toMatchObject({ type: 'object', properties: { rport: { type: 'integer', maximum: 65535 } } });
  });

  it('validates params with the probe schema and names the field', async () => {
    const cat = await Catalog.discover({ dirs: [root] });
    expect(cat.validateParams('good', { rport: 443 })).toEqual({ rport: 443 });
    expect(() => cat.validateParams('good', { rport: 70000 })).toThrow(/params.rport/);
    expect(() => cat.validateParams('good', { bogus: 1 })).toThrow(/params/);
    expect(() => cat.validateParams('nope', {})).toThrow(/no probe named 'nope'/);
    expect(() => cat.validateParams('nokernel', {})).toThrow(/cannot run on this host/);
  });
});

import { createRequire } from 'node:module';
function requireFs(): typeof import('node:fs') {
  return createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
}
