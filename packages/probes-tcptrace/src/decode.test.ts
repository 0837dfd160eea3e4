import { describe, expect, it } from 'vitest';
import type { MapDump } from '@sonde/probe-sdk';
import { decodeHists, decodeOpenPackets, decodePacket, HIST_SIZE, HIST_SLOTS, PKT_SIZE, tcpFlags } from './decode.js';

interface St {
  stage: number;
  ts: bigint;
  cpu: number;
  ifindex: number;
  ifname: string;
}

/** struct tcptrace_pkt exactly as bpf/tcptrace.h lays it out */
function pkt(o: { af: number; saddr: number[]; daddr: number[]; sport: number; dport: number; flags: number; seq: number; len: number; end: number; reason?: number; st: St[]; lost?: number }): Buffer {
  const b = Buffer.alloc(PKT_SIZE);
  b.writeBigUInt64LE(0xffff888000abcdefn, 0);
  Buffer.from(o.saddr).copy(b, 8);
  Buffer.from(o.daddr).copy(b, 24);
  b.writeUInt16LE(o.af, 40);
  b.writeUInt16LE(o.sport, 42);
  b.writeUInt16LE(o.dport, 44);
  b.writeUInt8(o.flags, 46);
  b.writeUInt8(o.st.length, 47);
  b.writeUInt32LE(o.seq, 48);
  b.writeUInt32LE(o.len, 52);
  b.writeUInt32LE(o.reason ?? 0, 56);
  b.writeUInt8(o.end, 60);
  b.writeUInt8(o.lost ?? 0, 61);
  o.st.forEach((s, i) => {
    const off = 64 + 32 * i;
    b.writeBigUInt64LE(s.ts, off);
    b.writeUInt32LE(s.ifindex, off + 8);
    b.writeUInt16LE(s.cpu, off + 12);
    b.writeUInt8(s.stage, off + 14);
    b.write(s.ifname, off + 16, 'utf8');
  });
  return b;
}

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
    expect(decodePacket(Buffer.alloc(PKT_SIZE - 1))).toBeNull();
    expect([0x12, 0x11, 0x04, 0x10, 0].map(tcpFlags)).toEqual(['S.', 'F.', 'R', '.', 'none']);
  });

  it('reads open timelines from the pkts map', () => {
    const v = pkt({ af: 2, saddr: [127, 0, 0, 1], daddr: [127, 0, 0, 1], sport: 1, dport: 2, flags: 0x10, seq: 0, len: 0, end: 0, st: [veth(1, 5n, 'lo')] });
    const dump: MapDump = { keys: Buffer.alloc(8), values: v, count: 1, keySize: 8, valueSize: PKT_SIZE };
    expect(decodeOpenPackets(dump).map((p) => p.end)).toEqual(['open']);
    expect(() => decodeOpenPackets({ ...dump, valueSize: 400 })).toThrow(/expected 8\/448/);
  });
});

describe('decodeHists', () => {
  it('names stage pairs, in stack order, in nsecs; skips empty entries', () => {
    const keys = Buffer.alloc(12);
    const values = Buffer.alloc(3 * HIST_SIZE);
    const put = (i: number, from: number, to: number, slots: Record<number, number>, sum: number, min: number, max: number) => {
      keys.writeUInt32LE((from << 8) | to, 4 * i);
      let cnt = 0;
      for (const [s, n] of Object.entries(slots)) {
        values.writeBigUInt64LE(BigInt(n), i * HIST_SIZE + 8 * Number(s));
        cnt += n;
      }
      values.writeBigUInt64LE(BigInt(sum), i * HIST_SIZE + 8 * HIST_SLOTS);
      values.writeBigUInt64LE(BigInt(cnt), i * HIST_SIZE + 8 * (HIST_SLOTS + 1));
      values.writeBigUInt64LE(~BigInt(min) & (2n ** 64n - 1n), i * HIST_SIZE + 8 * (HIST_SLOTS + 2));
      values.writeBigUInt64LE(BigInt(max), i * HIST_SIZE + 8 * (HIST_SLOTS + 3));
    };
    put(0, 6, 7, { 16: 2 }, 140_000, 65_000, 75_000);
    put(1, 1, 2, { 8: 3 }, 900, 290, 310);
    put(2, 2, 3, {}, 0, 0, 0);
    const h = decodeHists({ keys, values, count: 3, keySize: 4, valueSize: HIST_SIZE });
    expect(h.map((x) => [x.from, x.to, x.hist.unit, x.hist.count, x.hist.min, x.hist.max])).toEqual([
      ['net_dev_queue', 'net_dev_start_xmit', 'nsecs', 3, 290, 310],
      ['tcp_probe', 'sock_recv_length', 'nsecs', 2, 65_000, 75_000],
    ]);
  });
});
