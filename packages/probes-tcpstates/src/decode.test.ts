import { describe, expect, it } from 'vitest';
import { decodeSkEventHead, mapDumpOf, skEventHeadInput, tcpStateName, type MapDump } from '@sonde/probe-sdk';
import { decodeDwell, decodeEvent, decodeTransitions } from './decode.js';
import { maps, tcpstates_dwell, tcpstates_event } from './layout.gen.js';

/** a struct tcpstates_event from its fields; its bytes come from the generated layout */
function event(f: { pid: number; comm: string; af: number; l: number[]; r: number[]; lport: number; rport: number; old: number; new: number; deltaNs: bigint; known: number }): Buffer {
  const b = tcpstates_event.encode({
    h: skEventHeadInput({ tsNs: process.hrtime.bigint(), skaddr: 0xffff88800abcd000n, pid: f.pid, tid: f.pid, uid: 0, netns: 4026531840, comm: f.comm, af: f.af, lport: f.lport, rport: f.rport, laddr: f.l, raddr: f.r }),
    delta_ns: f.deltaNs,
    oldstate: f.old,
    newstate: f.new,
    known: f.known,
  });
  const [, knownAt] = tcpstates_event.fields.find(([n]) => n === 'known')!;
  b.fill(0xee, knownAt + 1); // the padding after `known` is ignored
  return b;
}

const lo4 = [127, 0, 0, 1];
const v6 = [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 7];

describe('decodeEvent', () => {
  it.each([
    [{ pid: 100, comm: 'curl', af: 2, l: lo4, r: lo4, lport: 0, rport: 8080, old: 7, new: 2, deltaNs: 0n, known: 0 }, { oldstate: 'CLOSE', newstate: 'SYN_SENT', ms: null, family: 4, laddr: '127.0.0.1', rport: 8080 }],
    [{ pid: 100, comm: 'curl', af: 2, l: lo4, r: lo4, lport: 40000, rport: 8080, old: 2, new: 1, deltaNs: 52_345n, known: 1 }, { oldstate: 'SYN_SENT', newstate: 'ESTABLISHED', ms: 0.052, lport: 40000 }],
    [{ pid: 0, comm: '', af: 10, l: v6, r: v6, lport: 443, rport: 50000, old: 9, new: 7, deltaNs: 1_500_000_000n, known: 1 }, { oldstate: 'LAST_ACK', newstate: 'CLOSE', ms: 1500, family: 6, laddr: '2001:db8::7', pid: 0, comm: '' }],
    [{ pid: 1, comm: 'x', af: 2, l: lo4, r: lo4, lport: 1, rport: 2, old: 12, new: 13, deltaNs: 0n, known: 1 }, { oldstate: 'NEW_SYN_RECV', newstate: 'STATE_13', ms: 0 }],
  ] as const)('decodes %o', (f, want) => {
    expect(decodeEvent(event(f))).toMatchObject({ ...want, skaddr: '0xffff88800abcd000', netns: 4026531840 });
  });

  it('gives what the generic sk_event decoder gives, field for field and in the same order', () => {
    const cases = [
      { pid: 4242, comm: 'node', af: 2, l: [10, 1, 2, 3], r: [192, 168, 255, 1], lport: 65535, rport: 1, old: 1, new: 4, deltaNs: 123_456_789n, known: 1 },
      { pid: 7, comm: 'caf\u00e9-\u00fcber', af: 10, l: [...Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 1], r: v6, lport: 80, rport: 5, old: 3, new: 1, deltaNs: 0n, known: 0 },
      { pid: 1, comm: 'fifteen-chars-x', af: 2, l: lo4, r: lo4, lport: 2, rport: 3, old: 10, new: 3, deltaNs: (1n << 60n) + 12345n, known: 1 },
    ];
    for (const f of cases) {
      for (const cg of [0n, 1234n, (1n << 63n) + 5n]) {
        for (const ts of [process.hrtime.bigint(), 1n << 62n]) {
          for (const sk of [0xffff88800abcd000n, 0x1000n, 0x100000000n]) {
            const b = event(f);
            tcpstates_event.encodeInto(b, 0, { h: { ts_ns: ts, skaddr: sk, cgroup: cg } });
            const head = decodeSkEventHead(b);
            const want = {
              ...head,
              oldstate: tcpStateName(f.old),
              newstate: tcpStateName(f.new),
              ms: f.known ? Math.round(Number(f.deltaNs) / 1000) / 1000 : null,
            };
            const got = decodeEvent(b);
            expect(Object.keys(got)).toEqual(Object.keys(want));
            // the wall-clock time of a monotonic stamp is sampled separately: within a millisecond
            expect(Math.abs(Date.parse(got.time) - Date.parse(want.time))).toBeLessThanOrEqual(1);
            expect({ ...got, time: '' }).toEqual({ ...want, time: '' });
          }
        }
      }
    }
  });

  it('refuses a short record', () => {
    expect(() => decodeEvent(Buffer.alloc(100))).toThrow(/112/);
  });
});

const NSTATES = maps.dwell.maxEntries;
const SLOTS = tcpstates_dwell.fields.find(([n]) => n === 'slots')![3]!;

/** the transitions map (u32 old*13+new -> u64 count), every entry of the array, from the non-zero counts */
function transitions(counts: Record<number, number | bigint>): MapDump {
  return mapDumpOf(maps.transitions.key, maps.transitions.value, Array.from({ length: maps.transitions.maxEntries }, (_, i) => [i, counts[i] ?? 0] as const));
}

/** the dwell map (u32 state -> struct tcpstates_dwell), every entry of the array */
function dwell(vals: Record<number, { slots?: Record<number, number>; sum?: number; cnt?: number }>): MapDump {
  return mapDumpOf(
    maps.dwell.key,
    tcpstates_dwell,
    Array.from({ length: NSTATES }, (_, i) => {
      const v = vals[i] ?? {};
      const slots = new Array<number>(SLOTS).fill(0);
      for (const [s, c] of Object.entries(v.slots ?? {})) slots[Number(s)] = c;
      return [i, { slots, sum: v.sum ?? 0, cnt: v.cnt ?? 0 }] as const;
    }),
  );
}

/** a per-CPU map's dump from one dump per CPU: each key's value is CPU 0's, then CPU 1's, ... */
function perCpu(cpus: MapDump[]): MapDump {
  const [d] = cpus;
  const values = Buffer.concat(Array.from({ length: d!.count }, (_, i) => Buffer.concat(cpus.map((c) => c.values.subarray(i * c.valueSize, (i + 1) * c.valueSize)))));
  return { ...d!, values, valueSize: d!.valueSize * cpus.length, cpus: cpus.length };
}

describe('summary maps', () => {
  it('keeps non-zero transitions, most frequent first', () => {
    const d = transitions({
      [7 * 13 + 2]: 5n, // CLOSE -> SYN_SENT
      [2 * 13 + 1]: 9n, // SYN_SENT -> ESTABLISHED
    });
    expect(decodeTransitions(d)).toEqual([
      { from: 'SYN_SENT', to: 'ESTABLISHED', count: 9 },
      { from: 'CLOSE', to: 'SYN_SENT', count: 5 },
    ]);
  });

  it('turns dwell slots into usec histograms per state', () => {
    // ESTABLISHED: two samples in 8..15 us, one in 1024..2047
    const d = decodeDwell(dwell({ 1: { slots: { 3: 2, 10: 1 }, sum: 1050, cnt: 3 } }));
    expect(d.map((x) => x.state)).toEqual(['ESTABLISHED']);
    expect(d[0]!.hist).toMatchObject({ unit: 'usecs', count: 3, sum: 1050, avg: 350 });
    expect(d[0]!.hist.buckets[3]).toEqual({ lo: 8, hi: 15, count: 2 });
  });

  it('sums the per-CPU slots of both maps', () => {
    // two CPUs: each key's value is CPU 0's then CPU 1's
    expect(decodeTransitions(perCpu([transitions({ [7 * 13 + 2]: 5n }), transitions({ [7 * 13 + 2]: 4n })]))).toEqual([{ from: 'CLOSE', to: 'SYN_SENT', count: 9 }]);
    expect(decodeDwell(perCpu([dwell({ 1: { slots: { 3: 2 } } }), dwell({ 1: { slots: { 3: 1 } } })]))[0]!.hist.buckets[3]).toEqual({ lo: 8, hi: 15, count: 3 });
  });

  it('refuses maps whose layout disagrees', () => {
    expect(() => decodeDwell(mapDumpOf('u32', 'u64', [[0, 0]]))).toThrow(/disagree/);
  });
});
