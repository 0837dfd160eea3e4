/** A job as Markdown for chats, PR comments and CI summaries: headline, stats, compact histogram, top-N tables. */
import { movedLine, splitIdle, type KernelReport } from '@sonde/probe-sdk';
import type { Job } from '../store.js';
import { columnsOf, compactHistogram, num, shapesOf, statsOf, topRows, unitSuffix } from './data.js';

export const TOP_N = 10;

function cell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function headline(job: Job): string {
  const secs = job.result ? `${Math.round(job.result.durationMs / 100) / 10} s` : `${job.durationMs / 1000} s planned`;
  return `${job.probe} · ${job.status} · ${secs}`;
}

export function renderMarkdown(job: Job, opts: { permalink?: string } = {}): string {
  const r = job.result;
  let out = `### ${headline(job)}\n\n`;
  const id = opts.permalink ? `[\`${job.id}\`](${opts.permalink})` : `\`${job.id}\``;
  const bits = [id];
  if (r) bits.push(`host \`${r.host.hostname}\` (${r.host.kernel})`);
  if (job.variant) bits.push(`variant \`${job.variant}\``);
  out += `${bits.join(' · ')}  \nparams \`${JSON.stringify(job.params)}\`\n\n`;
  if (job.error) out += `> ⚠️ **${job.error.type}**: ${cell(job.error.message)}\n\n`;
  if (!r || r.data === null || r.data === undefined) return out + (job.error ? '' : '_no result yet_\n');
  for (const w of r.warnings) out += `> ${cell(w)}\n`;
  if (r.warnings.length) out += '\n';

  const s = shapesOf(r.data, r.shape);
  if (s.total) {
    const stats = statsOf(s.total);
    out += `| ${stats.map(([k]) => k).join(' | ')} |\n|${stats.map(() => '---:').join('|')}|\n| ${stats.map(([, v]) => v).join(' | ')} |\n\n`;
    out += '```\n' + compactHistogram(s.total) + '\n```\n\n';
  }
  if (s.keyed.length > 1 || (s.keyed.length === 1 && s.keyed[0]!.key !== 'all')) {
    const u = unitSuffix(s.keyed[0]!.hist.unit);
    const top = s.keyed.slice(0, TOP_N);
    out += `**Top ${top.length} of ${s.keyed.length} by count**\n\n| ${s.keyName} | count | avg (${u}) | p50 (${u}) | p99 (${u}) | max (${u}) |\n|---|---:|---:|---:|---:|---:|\n`;
    for (const k of top) {
      out += `| ${cell(k.key)} | ${k.hist.count} | ${num(k.hist.avg)} | ${num(k.hist.p50?.value)} | ${num(k.hist.p99?.value)} | ${num(k.hist.max)} |\n`;
    }
    out += '\n';
  }
  for (const t of s.tables) {
    const rows = topRows(t, TOP_N);
    const cols = columnsOf(rows);
    if (cols.length === 0) continue;
    out += `**${t.name}** (${rows.length < t.rows.length ? `top ${rows.length} of ${t.rows.length}` : t.rows.length})\n\n`;
    out += `| ${cols.join(' | ')} |\n|${cols.map(() => '---').join('|')}|\n`;
    for (const row of rows) out += `| ${cols.map((c) => cell(row[c])).join(' | ')} |\n`;
    out += '\n';
  }
  if (s.numbers.length) {
    out += `| | |\n|---|---:|\n${s.numbers.map(([k, v]) => `| ${k} | ${num(v)} |`).join('\n')}\n\n`;
  }
  const st = r.stats;
  if (st.events || st.lost || st.dropped) out += `_events ${st.events}, lost ${st.lost}, dropped ${st.dropped}${st.truncated ? ', truncated' : ''}_\n`;
  out += kernelCountersMarkdown(r.kernel);
  return out;
}

const EXPECT: Record<string, string> = { equal: '=', atLeast: '≥', atMost: '≤', none: 'any' };

/** the cross-checks as a table (traced, counter Δ, ✓/✗) and the counters that moved */
export function kernelCountersMarkdown(k: KernelReport | undefined): string {
  if (!k) return '';
  if (!k.counters) return `\n**Kernel counters**: unavailable (${cell(k.unavailable)})\n`;
  const c = k.counters;
  let out = `\n**Kernel counters** (netns ${c.netns}, \`${c.source}\`)\n\n`;
  const { shown, idle } = splitIdle(c.crossChecks);
  if (shown.length) {
    out += '| | counter | Δ | | traced |\n|---|---|---:|:-:|---|\n';
    for (const x of shown) {
      out += `| ${x.agree === null ? '·' : x.agree ? '✓' : '✗'} | ${x.counter} | ${x.gauge ? `${x.delta} at end` : x.delta} | ${EXPECT[x.expect]} | ${cell(x.figure)} ${x.traced} |\n`;
    }
    out += '\n';
  }
  if (idle.length) out += `✓ 0 on both sides: ${idle.map((x) => x.counter).join(', ')}\n\n`;
  if (c.crossChecks.length === 0 && c.noPairs) out += `_no cross-check: ${cell(c.noPairs)}_\n\n`;
  out += Object.keys(c.deltas).length ? `moved: ${cell(movedLine(c.deltas))}\n` : 'moved: none\n';
  return out;
}
