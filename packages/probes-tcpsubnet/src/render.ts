/**
 * Upstream tcpsubnet's text (tools/tcpsubnet.py): per interval `[mm/dd/yy HH:MM:SS]`, then one line
 * per subnet with traffic, most first, `%-21s %6d` in the chosen unit (integer part, as upstream).
 * With `json`, one line per interval as upstream -J: {"date", "time", "entries": {subnet: value}}.
 * Times are UTC. Bytes that matched no subnet are shown as `(no match)`, which upstream drops.
 */
import { padLeft, padRight } from '@sonde/probe-sdk';
import type { SubnetTable, TcpsubnetData } from './index.js';
import type { TcpsubnetParams } from './params.js';

const name = (s: string | null) => s ?? '(no match)';

function stamp(at: string): { date: string; time: string } {
  return { date: `${at.slice(5, 7)}/${at.slice(8, 10)}/${at.slice(2, 4)}`, time: at.slice(11, 19) };
}

function text(t: SubnetTable): string {
  const { date, time } = stamp(t.at);
  return `[${date} ${time}]\n` + t.rows.map((r) => `${padRight(name(r.subnet), 21)} ${padLeft(Math.floor(r.value), 6)}\n`).join('');
}

function json(t: SubnetTable): string {
  const entries: Record<string, number> = {};
  for (const r of t.rows) entries[name(r.subnet)] = Math.floor(r.value);
  return JSON.stringify({ ...stamp(t.at), entries }) + '\n';
}

export function renderTcpsubnet(data: TcpsubnetData, p: Pick<TcpsubnetParams, 'json'>): string {
  const f = p.json ? json : text;
  if (data.intervals.length === 0) return 'no TCP sends matched\n';
  return data.intervals.map(f).join('');
}
