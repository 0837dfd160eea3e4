/**
 * The catalogue check of output declarations: every probe of this checkout declares its output's shape,
 * the declaration is sound (roles, references), and the catalogue serves it. That the declaration covers
 * every field of the probe's data, and names none it lacks, is checked when the probe compiles
 * (defineProbe types `shape` against the data); test/output.kernel.test.ts checks real results.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { declarationProblems, inferShape, isProbe, log2Histogram, outputShape, shapeProblems, type OutputShape } from '@sonde/probe-sdk';
import { Catalog, workspaceRoot } from './catalog.js';

const packages = join(workspaceRoot(), 'packages');
const probeDirs = readdirSync(packages).filter((d) => d.startsWith('probes-') && existsSync(join(packages, d, 'package.json')));

async function definition(dir: string) {
  const pkg = JSON.parse(readFileSync(join(packages, dir, 'package.json'), 'utf8')) as { sonde: { probe: string } };
  const def = ((await import(pathToFileURL(join(packages, dir, pkg.sonde.probe)).href)) as { default: unknown }).default;
  if (!isProbe(def)) throw new Error(`${dir} does not default-export a probe`);
  return def;
}

describe('output declarations of the probes of this checkout', () => {
  it('finds the probes', () => {
    expect(probeDirs.length).toBeGreaterThanOrEqual(15);
  });

  for (const dir of probeDirs) {
    it(`${dir}: declares its output's shape, and the declaration is sound`, async () => {
      const def = await definition(dir);
      const shape = outputShape(def);
      expect(shape, `${def.name} declares no shape: add defineProbe's \`shape\` (README "The output declaration")`).not.toBeNull();
      expect(declarationProblems(shape!)).toEqual([]);
      expect(Object.keys(shape!.fields).length).toBeGreaterThan(0);
    });
  }

  it('the catalogue serves each declaration beside the kind', async () => {
    const catalog = await Catalog.discover();
    for (const dir of probeDirs) {
      const info = catalog.get(dir.slice('probes-'.length))!;
      const def = await definition(dir);
      expect(info.output).toBe(def.output);
      expect(info.shape).toEqual({ kind: def.output, ...def.shape });
    }
  });
});

describe('declarationProblems and shapeProblems', () => {
  const shape: OutputShape = {
    kind: 'report',
    fields: {
      total: 'count',
      rows: { rows: { port: 'key', count: 'count', state: 'label' }, sum: 'count' },
      lat: { histogram: 'usecs' },
      states: { category: 'state' },
    },
    histogram: { total: 'lat' },
    aliases: { drops: 'rows' },
  };
  it('a sound declaration has none', () => {
    expect(declarationProblems(shape)).toEqual([]);
  });
  it('names what is wrong in a declaration', () => {
    const bad: OutputShape = {
      kind: 'report',
      fields: { port: 'key', rows: { rows: { n: 'label' }, sum: 'n' }, x: 'often' as never },
      histogram: { total: 'rows', keyed: 'port' },
      by: 'rows',
      aliases: { drops: 'nope' },
    };
    expect(declarationProblems(bad)).toEqual([
      "port: 'key' identifies rows; outside rows use 'setting'",
      "rows: sum 'n' is not a figure of its rows",
      "x: unknown role 'often'",
      "histogram.total: 'rows' is not a histogram field",
      "histogram.keyed: 'port' is not rows holding a histogram",
      "by: 'rows' is not a setting",
      "aliases.drops: 'nope' is not a field",
    ]);
  });
  it('names the fields of a sample its declaration does not, and values of another kind', () => {
    const sample = { total: 3, rows: [{ port: 80, count: 3, state: 'x', extra: 1 }], lat: log2Histogram([1], { unit: 'usecs' }), states: { LISTEN: 1 }, more: 'x' };
    expect(shapeProblems(shape, sample)).toEqual(['rows[0].extra: not declared', 'more: not declared']);
    expect(shapeProblems(shape, { total: 'three', lat: 5, states: { LISTEN: 'x' } })).toEqual([
      'total: declared a number (count)',
      'lat: declared a histogram',
      'states: declared counts by state',
    ]);
  });
  it('infers a shape from values alone: histograms, counted numbers, rows keyed by their other values', () => {
    const h = log2Histogram([1], { unit: 'usecs' });
    expect(inferShape('report', [{ n: 1, h, rows: [{ k: 'a', v: 1 }], by: 'x' }])).toEqual({
      kind: 'report',
      fields: { n: 'count', h: { histogram: 'usecs' }, rows: { rows: { k: 'key', v: 'count' }, sum: 'v' }, by: 'setting' },
    });
    expect(inferShape('events', [{ events: [{ time: 't' }] }]).fields.events).toEqual({ events: {} });
  });
});
