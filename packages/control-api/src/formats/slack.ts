/**
 * A job as a Slack Block Kit message (`chat.postMessage` body without the channel): header,
 * stat fields, the compact histogram or the top rows in a code block, and a context line with
 * the permalink. Slack's limits are kept: header 150 chars, 10 fields, 3000 chars per text.
 */
import { renderKernelCounters } from '@sonde/probe-sdk';
import type { Job } from '../store.js';
import { columnsOf, compactHistogram, shapesOf, statsOf, topRows } from './data.js';
import { headline } from './markdown.js';

type Text = { type: 'plain_text' | 'mrkdwn'; text: string };
export type SlackBlock =
  | { type: 'header'; text: Text }
  | { type: 'section'; text?: Text; fields?: Text[] }
  | { type: 'context'; elements: Text[] }
  | { type: 'divider' };

export interface SlackMessage {
  /** the notification and fallback text */
  text: string;
  blocks: SlackBlock[];
}

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
const code = (s: string) => `\`\`\`${clip(s, 2990)}\`\`\``;

export function renderSlack(job: Job, opts: { permalink?: string } = {}): SlackMessage {
  const r = job.result;
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: clip(headline(job), 150) } }];
  let summary = headline(job);
  if (job.error) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`:warning: *${job.error.type}*: ${job.error.message}`, 3000) } });
    summary += `: ${job.error.type}`;
  }
  if (r && r.data !== null && r.data !== undefined) {
    const s = shapesOf(r.data, r.shape);
    if (s.total) {
      const stats = statsOf(s.total);
      blocks.push({ type: 'section', fields: stats.slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn' as const, text: `*${k}*\n${v}` })) });
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: code(compactHistogram(s.total, 20)) } });
      summary += ` — ${stats.filter(([k]) => ['count', 'p50', 'p99'].includes(k)).map(([k, v]) => `${k} ${v}`).join(', ')}`;
    }
    if (s.keyed.length > 1 || (s.keyed.length === 1 && s.keyed[0]!.key !== 'all')) {
      const top = s.keyed.slice(0, 10);
      const w = Math.max(s.keyName.length, ...top.map((k) => k.key.length));
      const lines = [`${s.keyName.padEnd(w)}  count  p99`, ...top.map((k) => `${k.key.padEnd(w)}  ${String(k.hist.count).padStart(5)}  ${k.hist.p99?.value ?? '—'}`)];
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Top ${top.length} of ${s.keyed.length}*\n${code(lines.join('\n'))}` } });
    }
    for (const t of s.tables.slice(0, 3)) {
      const rows = topRows(t, 10);
      const cols = columnsOf(rows, 5);
      const lines = [cols.join('  '), ...rows.map((row) => cols.map((c) => String(row[c] ?? '')).join('  '))];
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${t.name}* (${t.rows.length})\n${code(lines.join('\n'))}` } });
    }
    if (s.numbers.length) {
      blocks.push({ type: 'section', fields: s.numbers.slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn' as const, text: `*${k}*\n${v}` })) });
    }
    const k = renderKernelCounters(r.kernel, { maxMoved: 12 });
    if (k) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Kernel counters*\n${code(k.slice(k.indexOf('\n') + 1).replace(/^ {2}/gm, '').trimEnd() || k.trimEnd())}` } });
  }
  const ctx = [opts.permalink ? `<${opts.permalink}|${job.id}>` : job.id];
  if (r) ctx.push(`${r.host.hostname} (${r.host.kernel})`, `stopped by ${r.stoppedBy}`);
  if (job.variant) ctx.push(job.variant);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(ctx.join(' · '), 3000) }] });
  return { text: clip(summary, 3000), blocks };
}
