/**
 * On the running kernel, every probe runs the hook variant it prefers among those whose hooks exist: a
 * variant refused by the verifier falls back silently to the next one at run time (the catalogue says
 * so in refusedVariants), so a verifier-unfriendly change to a probe's C would otherwise go unnoticed
 * as long as some later variant loads. And every other variant whose hooks exist here — the fallbacks a
 * kernel without trampolines, or with an older tracepoint, would run — is accepted by this kernel's
 * verifier too (loaded without attaching). Run on 6.1, 6.12 and 6.18 by the kernel matrix.
 */
import { expect, it } from 'vitest';
import { Catalog, fittingVariants, verifyVariants } from '@sonde/core-loader';
import { describeKernel, probeNames } from './support/kernel.js';

describeKernel('the catalogue on this kernel', () => {
  it('finds every probe, and each loads the first of its variants whose hooks exist here', async () => {
    const catalog = await Catalog.discover();
    const names = catalog.list().map((p) => p.name);
    expect(names.sort()).toEqual(probeNames());
    for (const name of names) {
      const e = catalog.entry(name);
      expect(e.available, `${name}: ${e.reason}`).toBe(true);
      expect(e.refusedVariants ?? [], `${name}: the verifier refused a preferred variant`).toEqual([]);
      const first = fittingVariants(e.definition!.bpf.variants).fits[0]?.name;
      expect(e.variant, name).toBe(first);
    }
  });
});

describeKernel('every fitting variant on this kernel', () => {
  it('is accepted by the verifier, fallbacks included', async () => {
    const catalog = await Catalog.discover();
    const refused: string[] = [];
    let loaded = 0;
    for (const { name } of catalog.list()) {
      const def = catalog.entry(name).definition!;
      for (const v of fittingVariants(def.bpf.variants).fits) {
        const r = verifyVariants(name, def.bpf.object, [v]);
        if (r.status === 'loaded') loaded++;
        else refused.push(`${name}/${v.name}: ${r.status} ${r.reason ?? ''}`);
      }
    }
    expect(refused).toEqual([]);
    expect(loaded).toBeGreaterThanOrEqual(catalog.list().length);
    console.log(`${loaded} variants load here`);
  });
});
