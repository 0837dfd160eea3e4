import { describe, expect, it } from 'vitest';
import { log2Histogram, mergeHistograms, outputShape } from '@sonde/probe-sdk';
import tcprtt from '@sonde/probes-tcprtt';
import type { Job } from '../store.js';
import { compactHistogram, renderHistogramSvg, renderJobFormat, renderMarkdown, renderSlack } from './index.js';

const a = log2Histogram([0, 0, 23, 870, 12], { unit: 'usecs', sum: 8497, min: 7, max: 23 });
const b = log2Histogram([0, 0, 0, 5, 0, 1], { unit: 'usecs', sum: 120, min: 9, max: 40 });
const job: Job = {
  id: 'j_1', probe: 'tcprtt', probeVersion: '0.1.0', params: { by: 'laddr' }, durationMs: 5000, status: 'succeeded',
  createdAt: '', attachedAt: '', endedAt: '', variant: 'tp_btf', error: null,
  result: {
    jobId: 'j_1', probe: 'tcprtt', probeVersion: '0.1.0', params: { by: 'laddr' }, host: { hostname: 'vm', kernel: '6.18' }, variant: 'tp_btf',
    startedAt: '', endedAt: '', durationMs: 5025, stoppedBy: 'deadline', kind: 'histogram', shape: outputShape(tcprtt)!, warnings: ['map full'],
    data: { unit: 'usecs', by: 'laddr', histograms: [{ key: '::1', hist: b }, { key: '127.0.0.1', hist: a }], total: mergeHistograms([a, b]) },
    stats: { events: 0, lost: 0, dropped: 0, truncated: false },
  },
};

describe('chat formats', () => {
  it('compact histogram: the used range only, bars scaled to the biggest bucket', () => {
    expect(compactHistogram(a, 8)).toBe(['usecs     count', '4 -> 7       23 ▎', '8 -> 15     870 ████████', '16 -> 31     12 ▏'].join('\n'));
  });

  it('markdown: headline, permalink, stats, histogram, busiest key first', () => {
    const md = renderMarkdown(job, { permalink: 'http://h/v1/jobs/j_1' });
    expect(md).toContain('### tcprtt · succeeded · 5 s');
    expect(md).toContain('[`j_1`](http://h/v1/jobs/j_1) · host `vm` (6.18) · variant `tp_btf`');
    expect(md).toContain('| 911 | 9.459 us |');
    expect(md).toContain('> map full');
    expect(md.indexOf('| 127.0.0.1 | 905 |')).toBeLessThan(md.indexOf('| ::1 | 6 |'));
  });

  it('slack: header, ten fields at most, code block, context with the link', () => {
    const m = renderSlack(job, { permalink: 'http://h/v1/jobs/j_1' });
    expect(m.blocks.map((x) => x.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    expect(m.text).toMatch(/^tcprtt · succeeded · 5 s — count 911, p50 [\d.]+ us, p99 [\d.]+ us$/);
    expect(JSON.stringify(m.blocks.at(-1))).toContain('<http://h/v1/jobs/j_1|j_1>');
  });

  it('svg: one bar per non-empty bucket', () => {
    const svg = renderHistogramSvg(a, { title: 't<1>' });
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(3);
    expect(svg).toContain('<title>t&lt;1&gt;</title>');
    expect(renderHistogramSvg(log2Histogram([], { unit: 'usecs' }))).toContain('no samples');
  });

  it('shows the kernel counters: cross-checks with ✓/✗ and the moved counters, in text, markdown and slack', () => {
    const kernel = {
      counters: {
        netns: 4026532174, source: 'nsenter --net=/run/netns/t', at: { start: '', end: '' },
        deltas: { 'Tcp.ActiveOpens': 7, 'Tcp.AttemptFails': 3, 'Tcp.OutRsts': 3 },
        crossChecks: [
          { counter: 'Tcp.ActiveOpens', figure: 'totals.connects', traced: 7, delta: 7, expect: 'equal' as const, agree: true, note: '' },
          { counter: 'Tcp.AttemptFails', figure: 'failed', traced: 2, delta: 3, expect: 'equal' as const, agree: false, note: '' },
          { counter: 'TcpExt.TCPBacklogDrop', figure: 'reasons{SOCKET_BACKLOG}', traced: 0, delta: 0, expect: 'equal' as const, agree: true, note: '' },
        ],
      },
    };
    const k = { ...job, result: { ...job.result!, kernel } };
    expect(renderJobFormat(k, 'text', { render: () => 'TEXT\n' })).toBe(
      'TEXT\n\nkernel counters (netns 4026532174, nsenter --net=/run/netns/t):\n  ✓ Tcp.ActiveOpens Δ 7 = totals.connects 7\n' +
        '  ✗ Tcp.AttemptFails Δ 3 = failed 2\n  ✓ 0 on both sides: TcpExt.TCPBacklogDrop\n  moved: Tcp.ActiveOpens +7, Tcp.AttemptFails +3, Tcp.OutRsts +3\n',
    );
    const md = renderMarkdown(k);
    expect(md).toContain('**Kernel counters** (netns 4026532174, `nsenter --net=/run/netns/t`)');
    expect(md).toContain('| ✗ | Tcp.AttemptFails | 3 | = | failed 2 |');
    expect(md).toContain('moved: Tcp.ActiveOpens +7, Tcp.AttemptFails +3, Tcp.OutRsts +3');
    const slack = JSON.stringify(renderSlack(k));
    expect(slack).toContain('*Kernel counters*');
    expect(slack).toContain('✗ Tcp.AttemptFails Δ 3 = failed 2');
    const none = { ...job, result: { ...job.result!, kernel: { counters: null, unavailable: 'no process lives in network namespace 5' } } };
    expect(renderMarkdown(none)).toContain('**Kernel counters**: unavailable (no process lives in network namespace 5)');
  });

  it('names owners: keys by pod, and rows with an owner column in place of their cgroup id', () => {
    const web = { cgroupId: '11', cgroupPath: '/kubepods.slice/p', runtime: 'kubelet', podUid: 'u1', namespace: 'shop', pod: 'web-0' };
    const pg = { cgroupId: '12', cgroupPath: '/kubepods.slice/q/crio-x.scope', runtime: 'cri-o', containerId: 'c'.repeat(64), namespace: 'shop', pod: 'db-0', container: 'pg' };
    const byPod: Job = {
      ...job,
      params: { by: 'pod' },
      result: {
        ...job.result!,
        data: {
          unit: 'usecs',
          by: 'pod',
          histograms: [{ key: 'shop/web-0', cgroup: '11', owner: web, hist: a }, { key: 'shop/db-0', cgroup: '12', owner: pg, hist: b }],
          total: mergeHistograms([a, b]),
          flows: [{ laddr: '10.0.0.1', lport: 80, cgroup: '12', owner: pg, count: 3 }],
        },
      },
    };
    const md = renderMarkdown(byPod);
    expect(md).toContain('| pod | count |');
    expect(md).toContain('| shop/web-0 | 905 |');
    expect(md).toContain('| owner | laddr | lport | count |\n|---|---|---|---|\n| shop/db-0/pg | 10.0.0.1 | 80 | 3 |');
    const slack = JSON.stringify(renderSlack(byPod));
    expect(slack).toContain('pod         count  p99');
    expect(slack).toContain('shop/db-0/pg  10.0.0.1  80  3');
  });

  it('renderJobFormat: text through the probe renderer, slack as JSON', () => {
    expect(renderJobFormat(job, 'text', { render: () => 'TEXT\n' })).toBe('TEXT\n');
    expect(JSON.parse(renderJobFormat(job, 'slack', { render: () => '' })).blocks[0].type).toBe('header');
  });
});
