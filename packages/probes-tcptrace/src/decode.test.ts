import { describe, expect, it } from 'vitest';
import { mapDumpOf, type LayoutInput } from '@sonde/probe-sdk';
import { decodeHists, decodeOpenPackets, decodePacket, tcpFlags } from './decode.js';
import { tcptrace_hist, tcptrace_pkt } from './layout.gen.js';

interface St {
  stage: number;
  ts: bigint;
  cpu: number;
  ifindex: number;
  ifname: string;
}

type Pkt = { af: number; saddr: number[]; daddr: number[]; sport: number; dport: number; flags: number; seq: number; len: number; end: number; reason?: number; st: St[]; lost?: number };

/** the fields of a struct tcptrace_pkt; its bytes come from the generated layout (pkt) */
function pktFields(o: Pkt): LayoutInput<tcptrace_pkt> {
  return {
    skb: 0xffff888000abcdefn,
    saddr: o.saddr,
    daddr: o.daddr,
    family: o.af,
    sport: o.sport,
    dport: o.dport,
    flags: o.flags,
    nstages: o.st.length,
    seq: o.seq,
    len: o.len,
    drop_reason: o.reason ?? 0,
    end: o.end,
    lost_stages: o.lost ?? 0,
    st: o.st,
  };
}

const pkt = (o: Pkt): Buffer => tcptrace_pkt.encode(pktFields(o));

const veth = (stage: number, ts: bigint, ifname = 'v1a1', cpu = 1): St => ({ stage, ts, cpu, ifindex: 7, ifname });

describe('decodePacket', () => {
  it.each([
    {
      name: 'an IPv4 data segment over veth, read by the process',
      b: pkt({
        af: 2, saddr: [10, 231, 5, 1], daddr: [10, 231, 5, 2], sport: 40000, dport: 8080, flags: 0x18, seq: 1000, len: 1000, end: 3,
        st: [veth(1, 1_000_000n), veth(2, 1_000_500n), veth(3, 1_001_000n), veth(5, 1_003_250n, 'v1b1', 0), veth(6, 1_004_000n, '', 0), veth(7, 1_054_000n, '', 0)],
      }),
      want: {
        family: 4, saddr: '10.231.5.1', daddr: '10.231.5.2', sport: 40000, dport: 8080, seq: 1000, len: 1000, flags: 'P.', end: 'read', lostStages: 0,
        stages: ['net_dev_queue@0/0', 'net_dev_start_xmit@0.5/0.5', 'net_dev_xmit@1/0.5', 'netif_receive_skb@3.25/2.25', 'tcp_probe@4/0.75', 'sock_recv_length@54/50'],
        devs: ['v1a1', 'v1a1', 'v1a1', 'v1b1', '', ''],
      },
    },
    {
      name: 'an IPv6 SYN dropped, with its reason',
      b: pkt({ af: 10, saddr: [...new Array(15).fill(0), 1], daddr: [...new Array(15).fill(0), 1], sport: 5, dport: 6, flags: 0x02, seq: 7, len: 0, end: 2, reason: 40, st: [veth(5, 10n, 'lo'), veth(9, 20n, 'lo')], lost: 3 }),
      want: { family: 6, saddr: '::1', flags: 'S', end: 'drop', dropReason: 40, lostStages: 3, stages: ['netif_receive_skb@0/0', 'kfree_skb@0.01/0.01'], devs: ['lo', 'lo'] },
    },
  ])('$name', ({ b, want }) => {
    const p = decodePacket(b)!;
    const { stages, devs, ...rest } = want;
    expect(p).toMatchObject(rest);
    expect(p.stages.map((s) => `${s.stage}@${s.atUs}/${s.deltaUs}`)).toEqual(stages);
    expect(p.stages.map((s) => s.ifname)).toEqual(devs);
  });

  it('drops a short record; names flags like tcpdump', () => {
    expect(decodePacket(Buffer.alloc(tcptrace_pkt.size - 1))).toBeNull();
    expect([0x12, 0x11, 0x04, 0x10, 0].map(tcpFlags)).toEqual(['S.', 'F.', 'R', '.', 'none']);
  });

  it('reads open timelines from the pkts map', () => {
    const v = pktFields({ af: 2, saddr: [127, 0, 0, 1], daddr: [127, 0, 0, 1], sport: 1, dport: 2, flags: 0x10, seq: 0, len: 0, end: 0, st: [veth(1, 5n, 'lo')] });
    const dump = mapDumpOf('u64', tcptrace_pkt, [[0, v]]);
    expect(decodeOpenPackets(dump).map((p) => p.end)).toEqual(['open']);
    expect(() => decodeOpenPackets({ ...dump, valueSize: 400 })).toThrow(/expected 8\/448/);
  });
});

describe('decodeHists', () => {
  it('names stage pairs, in stack order, in nsecs; skips empty entries', () => {
    const hist = (from: number, to: number, slots: Record<number, number>, sum: number, min: number, max: number) => {
      const s = new Array<number>(32).fill(0);
      for (const [i, n] of Object.entries(slots)) s[Number(i)] = n;
      const cnt = s.reduce((a, b) => a + b, 0);
      // min kept inverted: ~min, a signed -(min + 1)
      return [(from << 8) | to, { slots: s, sum, cnt, min_inv: -(min + 1), max }] as const;
    };
    const h = decodeHists(
      mapDumpOf('u32', tcptrace_hist, [hist(6, 7, { 16: 2 }, 140_000, 65_000, 75_000), hist(1, 2, { 8: 3 }, 900, 290, 310), hist(2, 3, {}, 0, 0, 0)]),
    );
    expect(h.map((x) => [x.from, x.to, x.hist.unit, x.hist.count, x.hist.min, x.hist.max])).toEqual([
      ['net_dev_queue', 'net_dev_start_xmit', 'nsecs', 3, 290, 310],
      ['tcp_probe', 'sock_recv_length', 'nsecs', 2, 65_000, 75_000],
    ]);
  });
});
