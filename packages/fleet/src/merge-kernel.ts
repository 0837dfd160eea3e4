/**
 * The kernel counters of a fleet job: each agent read its own namespace's counters, so the merged
 * report sums the deltas (a gauge's end values add up as well) and each cross-check's traced figure
 * and delta over the nodes that read them. A merged cross-check agrees only when every node's did;
 * its note names the nodes that did not, and the nodes without counters.
 */
import type { CrossCheck, KernelReport } from '@sonde/probe-sdk';

export interface NodeKernel {
  node: string;
  kernel?: KernelReport | undefined;
}

export function mergeKernel(parts: readonly NodeKernel[]): KernelReport | undefined {
  const read = parts.filter((p) => p.kernel?.counters);
  const unread = parts.filter((p) => p.kernel && !p.kernel.counters);
  if (read.length === 0) {
    if (unread.length === 0) return undefined;
    return { counters: null, unavailable: unread.map((p) => `${p.node}: ${p.kernel!.unavailable ?? 'no counters'}`).join('; ') };
  }
  const deltas: Record<string, number> = {};
  for (const p of read) for (const [k, v] of Object.entries(p.kernel!.counters!.deltas)) deltas[k] = (deltas[k] ?? 0) + v;

  const checks = new Map<string, { first: CrossCheck; traced: number; delta: number; agrees: Array<boolean | null>; against: string[] }>();
  for (const p of read) {
    for (const c of p.kernel!.counters!.crossChecks) {
      const key = `${c.counter}\0${c.figure}`;
      const m = checks.get(key) ?? { first: c, traced: 0, delta: 0, agrees: [], against: [] };
      m.traced += c.traced;
      m.delta += c.delta;
      m.agrees.push(c.agree);
      if (c.agree === false) m.against.push(p.node);
      checks.set(key, m);
    }
  }
  const missing = unread.map((p) => p.node);
  const crossChecks: CrossCheck[] = [...checks.values()].map(({ first, traced, delta, agrees, against }) => {
    const known = agrees.filter((a): a is boolean => a !== null);
    const agree = known.length === 0 ? null : known.every(Boolean);
    const notes = [first.note];
    if (against.length) notes.push(`disagrees on ${against.join(', ')}`);
    if (missing.length) notes.push(`no counters from ${missing.join(', ')}`);
    return { ...first, traced, delta, agree, note: notes.filter(Boolean).join('; ') };
  });
  const starts = read.map((p) => p.kernel!.counters!.at.start).sort();
  const ends = read.map((p) => p.kernel!.counters!.at.end).sort();
  const first = read[0]!.kernel!.counters!;
  return {
    counters: {
      netns: 0,
      source: `fleet: ${read.map((p) => `${p.node} (netns ${p.kernel!.counters!.netns})`).join(', ')}`,
      at: { start: starts[0]!, end: ends.at(-1)! },
      deltas,
      crossChecks,
      ...(first.noPairs ? { noPairs: first.noPairs } : {}),
    },
    ...(missing.length ? { unavailable: unread.map((p) => `${p.node}: ${p.kernel!.unavailable ?? 'no counters'}`).join('; ') } : {}),
  };
}
