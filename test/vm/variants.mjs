#!/usr/bin/env node
/**
 * Every hook variant of every probe against the running kernel: which needs it lacks, and whether
 * the verifier accepts it (load without attach; nothing stays). The quickest way to see what a new
 * kernel makes of the probes: `node test/vm/matrix.mjs --cmd 'node test/vm/variants.mjs'`.
 */
import { Catalog, fittingVariants, verifierRefusal, native } from '@sonde/core-loader';

const cat = await Catalog.discover();
for (const info of cat.list()) {
  const def = cat.entry(info.name).definition;
  if (!def) continue;
  console.log(`== ${info.name}: ${info.available ? `ready (${info.variant}, ${info.verified})` : `unavailable: ${info.reason}`}`);
  for (const v of def.bpf.variants) {
    const { fits, lacking } = fittingVariants([v]);
    if (!fits.length) {
      console.log(`   ${v.name}: lacks ${lacking.join('; ').replace(/^[^:]+: no /, '')}`);
      continue;
    }
    const obj = native().BpfObject.open(def.bpf.object);
    const sections = new Map(obj.programs().map((p) => [p.name, p.section]));
    for (const p of sections.keys()) obj.setAutoload(p, v.programs.includes(p));
    try {
      obj.load();
      console.log(`   ${v.name}: loads`);
    } catch (err) {
      const r = verifierRefusal(err, info.name, v.name, sections);
      console.log(`   ${v.name}: ${r ? `REFUSED ${r.verifier.program} (${r.verifier.hook})\n      ${r.verifier.log.join('\n      ')}` : `FAILED ${err.message.split('\n').slice(0, 8).join('\n      ')}`}`);
    } finally {
      obj.close();
    }
  }
}
