/**
 * A histogram as a self-contained SVG: one bar per non-empty bucket (labelled with its range),
 * bars scaled to the largest count, the stats line on top. Hand-written: no fonts to embed, no
 * library; every bar is a `<rect class="bar">` carrying data-lo/data-hi/data-count for scripts.
 */
import type { Histogram } from '@sonde/probe-sdk';
import { num, unitSuffix } from './data.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface SvgOptions {
  title?: string;
  width?: number;
  height?: number;
}

export function renderHistogramSvg(h: Histogram, opts: SvgOptions = {}): string {
  const bars = h.buckets.filter((b) => b.count > 0);
  const W = opts.width ?? Math.max(360, 80 + bars.length * 56);
  const H = opts.height ?? 260;
  const top = 48;
  const bottom = 44;
  const left = 56;
  const right = 16;
  const plotH = H - top - bottom;
  const plotW = W - left - right;
  const max = Math.max(1, ...bars.map((b) => b.count));
  const slot = bars.length ? plotW / bars.length : plotW;
  const bw = Math.max(4, Math.min(48, slot * 0.75));
  const u = unitSuffix(h.unit);
  const title = opts.title ?? `histogram (${h.unit})`;
  const stats = h.count
    ? `count ${h.count} · avg ${num(h.avg)} ${u} · p50 ${num(h.p50?.value)} · p90 ${num(h.p90?.value)} · p99 ${num(h.p99?.value)} ${u}`
    : 'no samples';
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect class="background" x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${left}" y="18" font-size="14" font-weight="bold" fill="#111">${esc(title)}</text>`,
    `<text x="${left}" y="36" fill="#555">${esc(stats)}</text>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${W - right}" y2="${top + plotH}" stroke="#999"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#999"/>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end" fill="#555">${max}</text>`,
    `<text x="${left - 6}" y="${top + plotH}" text-anchor="end" fill="#555">0</text>`,
  ];
  bars.forEach((b, i) => {
    const bh = Math.max(1, (b.count / max) * plotH);
    const x = left + i * slot + (slot - bw) / 2;
    const y = top + plotH - bh;
    const cx = x + bw / 2;
    out.push(
      `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" fill="#3b82f6" data-lo="${b.lo}" data-hi="${b.hi}" data-count="${b.count}"><title>${b.lo}–${b.hi} ${esc(u)}: ${b.count}</title></rect>`,
      `<text class="count" x="${cx.toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" fill="#111">${b.count}</text>`,
      `<text class="range" x="${cx.toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle" fill="#333">${b.lo}–${b.hi}</text>`,
    );
  });
  out.push(`<text x="${left + plotW / 2}" y="${H - 8}" text-anchor="middle" fill="#555">${esc(h.unit)}</text>`, '</svg>');
  return out.join('\n') + '\n';
}
