/**
 * The "kernel counters" block under a result, for terminals and chats: each cross-check (traced
 * figure against the counter's delta, ✓ / ✗ / · when nothing is expected) and the counters that moved.
 */
import type { CrossCheck, KernelReport } from './cross-check.js';

const MARK = (c: CrossCheck) => (c.agree === null ? '·' : c.agree ? '✓' : '✗');
const REL: Record<CrossCheck['expect'], string> = { equal: '=', atLeast: '≥', atMost: '≤', none: 'any' };

/** one line per cross-check: `✓ TcpExt.ListenOverflows Δ 30 = overflows 30` (a gauge: `at end 6`) */
export function crossCheckLine(c: CrossCheck): string {
  return `${MARK(c)} ${c.counter} ${c.gauge ? 'at end' : 'Δ'} ${c.delta} ${REL[c.expect]} ${c.figure} ${c.traced}`;
}

/**
 * Cross-checks where neither side moved (0 = 0, and agreed) fold into one line, so a probe with many
 * pairs shows the ones that say something.
 */
export function splitIdle(checks: readonly CrossCheck[]): { shown: CrossCheck[]; idle: CrossCheck[] } {
  const idle = checks.filter((c) => c.traced === 0 && c.delta === 0 && c.agree === true);
  return { shown: checks.filter((c) => !idle.includes(c)), idle };
}

/** `Tcp.ActiveOpens +5, Tcp.InSegs +40, …` — at most `max`, then how many more */
export function movedLine(deltas: Record<string, number>, max = 24): string {
  const all = Object.entries(deltas);
  const shown = all.slice(0, max).map(([k, v]) => `${k} ${v >= 0 ? '+' : ''}${v}`);
  return shown.join(', ') + (all.length > max ? `, … ${all.length - max} more` : '');
}

/** The block as text lines ending in '\n'; '' when the result has no kernel report. */
export function renderKernelCounters(k: KernelReport | undefined, opts: { maxMoved?: number } = {}): string {
  if (!k) return '';
  if (!k.counters) return `kernel counters: unavailable (${k.unavailable ?? 'not read'})\n`;
  const c = k.counters;
  let out = `kernel counters (netns ${c.netns}, ${c.source}):\n`;
  const { shown, idle } = splitIdle(c.crossChecks);
  for (const x of shown) out += `  ${crossCheckLine(x)}\n`;
  if (idle.length) out += `  ✓ 0 on both sides: ${idle.map((x) => x.counter).join(', ')}\n`;
  if (c.crossChecks.length === 0 && c.noPairs) out += `  no cross-check: ${c.noPairs}\n`;
  const moved = Object.keys(c.deltas).length;
  out += moved ? `  moved: ${movedLine(c.deltas, opts.maxMoved)}\n` : '  moved: none\n';
  return out;
}

/** A result's text (the probe's upstream layout), then the kernel counters block when it has one. */
export function textWithCounters(result: { kernel?: KernelReport | undefined }, text: string): string {
  const k = renderKernelCounters(result.kernel);
  if (!k) return text;
  return `${text}${text === '' || text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n'}${k}`;
}
