import { describe, expect, it } from 'vitest';
import { mapDumpOf, skEventHeadInput, type MapDump } from '@sonde/probe-sdk';
import { decodeEvent, decodeHist } from './decode.js';
import { pktlat_event, pktlat_hist } from './layout.gen.js';

/** a struct pktlat_event (sk_event_head + delta_ns), its bytes from the generated layout */
function event(o: { af: number; laddr: number[]; raddr: number[]; lport: number; rport: number; pid: number; tid: number; comm: string; deltaNs: bigint }): Buffer {
  const h = skEventHeadInput({ tsNs: 123_456_789n, skaddr: 0xffff888012345678n, uid: 1000, netns: 4026531840, cgroup: 1234n, ...o });
  return pktlat_event.encode({ h, delta_ns: Number(o.deltaNs) });
}

/** the length of struct pktlat_hist's slots[] (TCPPKTLAT_MAX_SLOTS) */
const SLOTS = pktlat_hist.fields.find(([name]) => name === 'slots')![3]!;

const v6 = (...tail: number[]) => [...new Array(16 - tail.length).fill(0), ...tail];

describe('decodeEvent', () => {
  it.each([
    {
      name: 'IPv4, 50 ms',
      e: { af: 2, laddr: [127, 0, 0, 1], raddr: [127, 0, 0, 1], lport: 8080, rport: 46442, pid: 1311, tid: 1312, comm: 'python3', deltaNs: 50_123_456n },
      want: { pid: 1311, tid: 1312, comm: 'python3', family: 4, laddr: '127.0.0.1', lport: 8080, raddr: '127.0.0.1', rport: 46442, latencyUs: 50123.456, skaddr: '0xffff888012345678', uid: 1000 },
    },
    {
      name: 'IPv6, a 0 µs read is kept',
      e: { af: 10, laddr: v6(1), raddr: [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 7], lport: 443, rport: 5000, pid: 9, tid: 9, comm: 'nginx', deltaNs: 420n },
      want: { family: 6, laddr: '::1', raddr: '2001:db8::7', latencyUs: 0.42 },
    },
  ])('$name', ({ e, want }) => {
    expect(decodeEvent(event(e))).toMatchObject(want);
  });

  it('drops a short record', () => {
    expect(decodeEvent(Buffer.alloc(pktlat_event.size - 1))).toBeNull();
  });
});

describe('decodeHist', () => {
  const dump = (slots: Record<number, bigint>, sum: bigint, min: bigint | null, max: bigint, valueSize = pktlat_hist.size): MapDump => {
    const s = Array.from({ length: SLOTS }, (_, i) => Number(slots[i] ?? 0n));
    const cnt = s.reduce((a, n) => a + n, 0);
    // min is stored inverted: ~min, 0 before any sample
    const hist = { slots: s, sum: Number(sum), cnt, min_inv: min === null ? 0 : Number(~min), max: Number(max) };
    return { ...mapDumpOf('u32', pktlat_hist, [[0, hist]]), valueSize };
  };

  it('reads slots, sum, and min stored inverted (0 = none yet)', () => {
    const h = decodeHist(dump({ 0: 3n, 15: 2n }, 100_002n, 0n, 51_000n));
    expect(h).toMatchObject({ unit: 'usecs', count: 5, sum: 100_002, min: 0, max: 51_000 });
    expect(h.buckets.at(-1)).toEqual({ lo: 32768, hi: 65535, count: 2 });
  });

  it('inverts min exactly, however large', () => {
    for (const min of [17n, 4_294_967_296n, 2n ** 40n + 3n]) expect(decodeHist(dump({ 26: 1n }, min, min, min)).min).toBe(Number(min));
  });

  it('is empty without samples', () => {
    expect(decodeHist(dump({}, 0n, null, 0n))).toMatchObject({ count: 0, min: null, max: null, buckets: [] });
  });

  it('refuses a layout it does not know', () => {
    expect(() => decodeHist(dump({}, 0n, null, 0n, 216))).toThrow(/expected 4\/248/);
  });
});
