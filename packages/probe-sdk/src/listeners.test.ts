import { describe, expect, it } from 'vitest';
import { parseKallsyms } from './kallsyms.js';
import { busyListeners, decodeListener, LISTENER_SIZE, listenerFigures, listenerGlobals, renderListenSockets } from './listeners.js';

/** a struct sonde_listener as bpf/include/listeners.h lays it out */
function record(f: Partial<{ drops: [number, number, number]; syn: number; ack: number; flags: number; syncookies: number; pid: number; comm: string }> = {}): Buffer {
  const v = Buffer.alloc(LISTENER_SIZE);
  v.writeBigUInt64LE(0xffff888100aa0000n, 0);
  const [first, last, rx] = f.drops ?? [5, 30, 9];
  v.writeBigUInt64LE(BigInt(first), 8);
  v.writeBigUInt64LE(BigInt(last), 16);
  v.writeBigUInt64LE(BigInt(rx), 24);
  v.writeBigUInt64LE(BigInt(f.syn ?? 0), 32);
  v.writeBigUInt64LE(BigInt(f.ack ?? 4), 40);
  v.writeUInt32LE(4026531833, 48); // netns
  v.writeUInt32LE(1, 52); // max_backlog
  v.writeUInt32LE(2, 56); // backlog
  v.writeUInt32LE(2, 60); // peak
  v.writeUInt32LE(f.pid ?? 4242, 64);
  v.writeUInt32LE(1000, 68); // uid
  v.writeUInt32LE(3, 72); // gen
  v.writeUInt16LE(2, 76); // AF_INET
  v.writeUInt16LE(7300, 78);
  v.set([127, 0, 0, 1], 80);
  v.write(f.comm ?? 'python3', 96);
  v[112] = f.flags ?? 4;
  v[113] = f.syncookies ?? 1;
  return v;
}

describe('listeners', () => {
  it('decodes a record', () => {
    const r = decodeListener(record({ flags: 1 | 4 }));
    expect(r).toMatchObject({
      skaddr: 0xffff888100aa0000n,
      dropsFirst: 5,
      dropsLast: 30,
      rxDrops: 9,
      netns: 4026531833,
      maxBacklog: 1,
      backlog: 2,
      pid: 4242,
      uid: 1000,
      family: 4,
      laddr: '127.0.0.1',
      lport: 7300,
      comm: 'python3',
      opened: true,
      closed: false,
      fullSeen: true,
      syncookies: 1,
    });
  });

  it("ListenDrops is the counter's delta less the drops kfree_skb named against the listener", () => {
    const r = decodeListener(record());
    // 30 - 5 - 9 = 16 listen drops; 4 of them completed handshakes (drop reason), so 12 SYNs
    expect(listenerFigures(r, 'listener_drops', true)).toMatchObject({ listenDrops: 16, synOverflows: 12, ackOverflows: 4, overflows: 16, pid: 4242, comm: 'python3' });
    // without rx_sk the delta cannot be told from other drops
    expect(listenerFigures(r, 'kprobe', false)).toMatchObject({ listenDrops: null, synOverflows: 0, ackOverflows: 4, overflows: 4 });
    expect(listenerFigures(r, null, true)).toMatchObject({ listenDrops: 16, overflows: 0 });
  });

  it('per-event hooks give the SYN overflows themselves', () => {
    const r = decodeListener(record({ syn: 7, ack: 2 }));
    expect(listenerFigures(r, 'fentry', true)).toMatchObject({ listenDrops: 16, synOverflows: 7, ackOverflows: 2, overflows: 9 });
  });

  it('without syncookies a SYN drop is an overflow only when the queue was seen full', () => {
    const full = decodeListener(record({ syncookies: 0, flags: 4 }));
    const never = decodeListener(record({ syncookies: 0, flags: 0 }));
    expect(listenerFigures(full, 'listener_drops', true).synOverflows).toBe(12);
    expect(listenerFigures(never, 'listener_drops', true)).toMatchObject({ listenDrops: 16, synOverflows: 0 });
  });

  it('keeps the busy ones, names an unknown owner null', () => {
    const quiet = listenerFigures(decodeListener(record({ drops: [3, 3, 0], ack: 0, pid: 0 })), 'listener_drops', true);
    const busy = listenerFigures(decodeListener(record()), 'listener_drops', true);
    expect(quiet).toMatchObject({ pid: null, comm: null, listenDrops: 0 });
    expect(busyListeners([quiet, busy])).toEqual([busy]);
    expect(renderListenSockets([busy]).split('\n')[1]).toMatch(/^127\.0\.0\.1:7300 4026531833 4242 python3 +2 +1 +16 +16 +12 +4$/);
  });

  it('places tcp_v4_rcv and tcp_v6_rcv from kallsyms', () => {
    const syms = parseKallsyms(
      ['ffffffff81a00000 T tcp_v4_rcv', 'ffffffff81a01c40 T tcp_v4_early_demux', 'ffffffff81b00000 T tcp_v6_rcv', 'ffffffff81b01000 t tcp_v6_fill_cb', 'ffffffffc0001000 t tcp_v4_rcv\t[mod]'].join('\n'),
    );
    expect(listenerGlobals(syms)).toEqual({
      targ_rcv4_lo: 0xffffffff81a00000n,
      targ_rcv4_hi: 0xffffffff81a01c40n,
      targ_rcv6_lo: 0xffffffff81b00000n,
      targ_rcv6_hi: 0xffffffff81b01000n,
    });
    expect(listenerGlobals(parseKallsyms(''))).toEqual({});
  });
});
