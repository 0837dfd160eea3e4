/**
 * Upstream tcpsubnet's text (tools/tcpsubnet.py): per interval `[mm/dd/yy HH:MM:SS]`, then one line
 * per subnet with traffic, most first, `%-21s %6d` in the chosen unit (integer part, as upstream).
 * With `json`, one line per interval as upstream -J: {"date", "time", "entries": {subnet: value}}.
 * Times are UTC. Bytes that matched no subnet are shown as `(no match)`, which upstream drops. With `by`
 * (pod or container) each line ends with the owner's key, and -J entries are {subnet: {owner: value}}.
 */
import { padLeft, padRight } from '@sonde/probe-sdk';
import type { SubnetRow, SubnetTable, TcpsubnetData } from './index.js';
import type { TcpsubnetParams } from './params.js';

const name = (s: string | null) => s ?? '(no match)';

function stamp(at: string): { date: string; time: string } {
  return { date: `${at.slice(5, 7)}/${at.slice(8, 10)}/${at.slice(2, 4)}`, time: at.slice(11, 19) };
}

function text(t: SubnetTable): string {
  const { date, time } = stamp(t.at);
  const owner = (r: SubnetRow) => (r.key !== undefined ? `  ${r.key}` : '');
  return `[${date} ${time}]\n` + t.rows.map((r) => `${padRight(name(r.subnet), 21)} ${padLeft(Math.floor(r.value), 6)}${owner(r)}\n`).join('');
}

function json(t: SubnetTable): string {
  const entries: Record<string, number | Record<string, number>> = {};
  for (const r of t.rows) {
    const v = Math.floor(r.value);
    if (r.key === undefined) entries[name(r.subnet)] = v;
    else ((entries[name(r.subnet)] ??= {}) as Record<string, number>)[r.key] = v;
  }
  return JSON.stringify({ ...stamp(t.at), entries }) + '\n';
}

export function renderTcpsubnet(data: TcpsubnetData, p: Pick<TcpsubnetParams, 'json'>): string {
  const f = p.json ? json : text;
  if (data.intervals.length === 0) return 'no TCP sends matched\n';
  return data.intervals.map(f).join('');
}
