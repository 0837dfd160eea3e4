import { describe, expect, it } from 'vitest';
import { renderKernelCounters } from './counters-render.js';
import { parseTableCounters } from './counters.js';
import { crossCheck, narrowingFilters, type CounterDeclaration } from './cross-check.js';

const snap = (active: number, fails: number, curr: number, out4: number, out6: number) =>
  new Map([
    ...parseTableCounters(`Tcp: ActiveOpens AttemptFails CurrEstab\nTcp: ${active} ${fails} ${curr}\nIpExt: OutOctets\nIpExt: ${out4}\n`),
    ['Ip6.OutOctets', BigInt(out6)],
  ]);

interface Data {
  connects: number;
  failed: number | null;
  sent: number;
  estab: number;
}
const decl: CounterDeclaration<Data> = {
  pairs: [
    { counter: 'Tcp.ActiveOpens', figure: 'connects', value: (d) => d.connects, expect: 'equal', why: 'SYNs sent' },
    { counter: 'Tcp.AttemptFails', figure: 'failed', value: (d) => d.failed, expect: 'equal', why: 'failed in SYN_SENT' },
    { counter: ['IpExt.OutOctets', 'Ip6.OutOctets'], figure: 'sent', value: (d) => d.sent, expect: 'atLeast', why: 'headers too' },
    { counter: 'Tcp.CurrEstab', figure: 'estab', value: (d) => d.estab, expect: 'equal', why: 'a gauge', gauge: true },
  ],
};
const start = snap(10, 1, 4, 1000, 500);
const end = snap(15, 4, 6, 3000, 700);
const data: Data = { connects: 5, failed: 3, sent: 2000, estab: 6 };
const job = (params: unknown, lost = 0) => ({ params, variant: 'tp_btf', lost });

describe('crossCheck', () => {
  it('compares each figure with its counter in a job that watches exactly one namespace', () => {
    const { checks, warnings } = crossCheck(decl, data, start, end, job({ netns: 4026531840, lport: [] }));
    expect(checks.map((c) => [c.counter, c.traced, c.delta, c.expect, c.agree])).toEqual([
      ['Tcp.ActiveOpens', 5, 5, 'equal', true],
      ['Tcp.AttemptFails', 3, 3, 'equal', true],
      ['IpExt.OutOctets+Ip6.OutOctets', 2000, 2200, 'atLeast', true],
      ['Tcp.CurrEstab', 6, 6, 'equal', true],
    ]);
    expect(warnings).toEqual([]);
  });

  it('says why, in a warning, when they disagree — with what the variant cannot see', () => {
    const { checks, warnings } = crossCheck(decl, { ...data, connects: 7 }, start, end, { ...job({ netns: 1 }), cannotSee: ['connects before the SYN'] });
    expect(checks[0]).toMatchObject({ agree: false, delta: 5, traced: 7 });
    expect(warnings).toEqual([
      'kernel counter Tcp.ActiveOpens moved by 5, traced connects is 7 (expected the counter equal to the figure): SYNs sent; the tp_btf variant cannot see: connects before the SYN',
    ]);
  });

  it('loosens equal to atLeast under a narrower filter, to atMost without a netns filter, to none with both', () => {
    const narrow = crossCheck(decl, { ...data, connects: 2 }, start, end, job({ netns: 1, rport: [80] })).checks[0]!;
    expect(narrow).toMatchObject({ expect: 'atLeast', agree: true });
    expect(narrow.note).toContain('(rport)');
    const wide = crossCheck(decl, { ...data, connects: 9 }, start, end, job({})).checks[0]!;
    expect(wide).toMatchObject({ expect: 'atMost', agree: true });
    expect(wide.note).toContain('every network namespace');
    expect(crossCheck(decl, data, start, end, job({ pid: 7 })).checks[0]).toMatchObject({ expect: 'none', agree: null });
    // lost events: the figure may fall short
    expect(crossCheck(decl, data, start, end, job({ netns: 1 }, 3)).checks[1]).toMatchObject({ expect: 'atLeast' });
    // a gauge is read in the namespace itself: never loosened by the scope
    expect(crossCheck(decl, data, start, end, job({})).checks[3]).toMatchObject({ expect: 'equal', agree: true });
  });

  it('leaves out pairs whose figure the result lacks and counters the kernel lacks', () => {
    const d2: CounterDeclaration<Data> = { pairs: [...decl.pairs, { counter: 'TcpExt.Nope', figure: 'x', value: () => 1, expect: 'equal', why: '' }] };
    const { checks } = crossCheck(d2, { ...data, failed: null }, start, end, job({ netns: 1 }));
    expect(checks.map((c) => c.counter)).toEqual(['Tcp.ActiveOpens', 'IpExt.OutOctets+Ip6.OutOctets', 'Tcp.CurrEstab']);
  });

  it('takes the expectation from the data when it depends on how the figure was counted', () => {
    const d3: CounterDeclaration<Data> = { pairs: [{ ...decl.pairs[0]!, expect: (_d, v) => (v === 'tp_btf' ? 'atLeast' : 'equal') }] };
    expect(crossCheck(d3, { ...data, connects: 1 }, start, end, job({ netns: 1 })).checks[0]).toMatchObject({ expect: 'atLeast', agree: true });
  });
});

describe('narrowingFilters', () => {
  it('lists the set filters that select part of a namespace', () => {
    expect(narrowingFilters({ netns: 1, lport: [], rport: [443], pid: 3, count: true, intervalMs: 100, port: [1] })).toEqual(['rport', 'pid', 'port']);
    expect(narrowingFilters(null)).toEqual([]);
  });
});

describe('renderKernelCounters', () => {
  it('shows each cross-check and the moved counters', () => {
    const { checks } = crossCheck(decl, data, start, end, job({ netns: 4026531840 }));
    const text = renderKernelCounters({
      counters: { netns: 4026531840, source: '/proc/self/net', at: { start: '', end: '' }, deltas: { 'Tcp.ActiveOpens': 5, 'Tcp.CurrEstab': -1 }, crossChecks: checks },
    });
    expect(text).toBe(
      'kernel counters (netns 4026531840, /proc/self/net):\n' +
        '  ✓ Tcp.ActiveOpens Δ 5 = connects 5\n' +
        '  ✓ Tcp.AttemptFails Δ 3 = failed 3\n' +
        '  ✓ IpExt.OutOctets+Ip6.OutOctets Δ 2200 ≥ sent 2000\n' +
        '  ✓ Tcp.CurrEstab at end 6 = estab 6\n' +
        '  moved: Tcp.ActiveOpens +5, Tcp.CurrEstab -1\n',
    );
    const idle = crossCheck(decl, { ...data, connects: 0, failed: 0 }, start, start, job({ netns: 1 })).checks;
    expect(renderKernelCounters({ counters: { netns: 1, source: 's', at: { start: '', end: '' }, deltas: {}, crossChecks: idle } })).toBe(
      'kernel counters (netns 1, s):\n' +
        '  ✗ IpExt.OutOctets+Ip6.OutOctets Δ 0 ≥ sent 2000\n' +
        '  ✗ Tcp.CurrEstab at end 4 = estab 6\n' +
        '  ✓ 0 on both sides: Tcp.ActiveOpens, Tcp.AttemptFails\n' +
        '  moved: none\n',
    );
    expect(renderKernelCounters({ counters: null, unavailable: 'no process in netns 5' })).toBe('kernel counters: unavailable (no process in netns 5)\n');
    expect(renderKernelCounters(undefined)).toBe('');
  });
});
