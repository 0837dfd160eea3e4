/**
 * The probe definition and its contract with bpf/tcprtt.bpf.c / tcprtt.h, checked against the C
 * source text (no kernel here: the real-kernel test lives in ../test/tcprtt.kernel.test.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isProbe } from '@sonde/probe-sdk';
import probe, { globalsFor, params } from './index.js';
import { hist, hist_key, maps } from './layout.gen.js';

const bpfDir = fileURLToPath(new URL('../bpf/', import.meta.url));
const includeDir = fileURLToPath(new URL('../../../bpf/include/', import.meta.url));
const source = readFileSync(`${bpfDir}tcprtt.bpf.c`, 'utf8');
const header = readFileSync(`${bpfDir}tcprtt.h`, 'utf8');

/** tcprtt.bpf.c with the text of the local headers it includes (the probe's bpf/ or the shared bpf/include/), each once */
function objectSource(file = `${bpfDir}tcprtt.bpf.c`, seen = new Set<string>()): string {
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  const included = [...text.matchAll(/^#include "([\w.]+)"/gm)]
    .map((m) => [`${bpfDir}${m[1]}`, `${includeDir}${m[1]}`].find((f) => existsSync(f))!)
    .filter((f) => f && !seen.has(f));
  return [text, ...included.map((f) => (seen.has(f) ? '' : objectSource(f, seen)))].join('\n');
}

describe('tcprtt probe definition', () => {
  it('is a probe with both hook variants, tp_btf first', () => {
    expect(isProbe(probe)).toBe(true);
    expect(probe).toMatchObject({ name: 'tcprtt', output: 'histogram', version: '0.1.0' });
    expect(probe.bpf.object).toMatch(/probes-tcprtt\/src\/tcprtt\.bpf\.o$/);
    expect(probe.bpf.variants.map((v) => [v.name, v.programs])).toEqual([
      ['tp_btf', ['tcprtt_tp_btf']],
      ['tracepoint', ['tcprtt_tp']],
    ]);
  });

  it('names programs that exist in the object source, on the hooks the variants need', () => {
    expect(source).toMatch(/SEC\("tp_btf\/tcp_probe"\)\s*\nint BPF_PROG\(tcprtt_tp_btf,/);
    expect(source).toMatch(/SEC\("tracepoint\/tcp\/tcp_probe"\)\s*\nint tcprtt_tp\(/);
  });

  it('sets exactly the const volatile globals the object declares (in tcprtt.bpf.c and the headers it includes)', () => {
    const declared = [...objectSource().matchAll(/^const volatile [\w ]+?(targ_\w+)/gm)].map((m) => m[1]).sort();
    // owner_filter.h's switch is the loader's to set, with the id map it fills (core-loader context.ts)
    expect(Object.keys(globalsFor(params.parse({}))).sort()).toEqual(declared.filter((g) => g !== 'targ_owner_filter'));
    expect(declared).toContain('targ_owner_filter');
  });

  it('decodes the layout tcprtt.h declares', () => {
    expect(header).toContain(`#define TCPRTT_MAX_SLOTS   ${hist.fields.find(([name]) => name === 'slots')![3]}`);
    expect(header).toContain(`#define TCPRTT_MAX_ENTRIES ${maps.hists.maxEntries}`);
    expect(header).toMatch(/32 bytes; all zero when not grouped/);
    expect(hist_key.size).toBe(32);
    expect(hist.size).toBe(248);
  });

  it('renders through the definition', () => {
    const total = { unit: 'usecs', buckets: [], count: 0, sum: 0, avg: null, min: null, max: null, p50: null, p90: null, p99: null };
    expect(probe.render({ unit: 'usecs', by: 'none', histograms: [], total }, params.parse({}))).toBe('no TCP RTT samples matched\n');
  });
});
