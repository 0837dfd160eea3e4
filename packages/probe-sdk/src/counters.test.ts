import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KNOWN_COUNTERS } from './counter-names.js';
import { counterDelta, counterNamesMatching, movedCounters, parseCounters, parseSnmp6Counters, parseTableCounters } from './counters.js';

/**
 * Read from a fresh `ip netns add` namespace (6.18) before and after 2 connects to a listener on
 * 127.0.0.1:7001 and 3 to the closed port 7002 (ECONNREFUSED), in that namespace.
 */
const dir = new URL('../test/fixtures/counters/', import.meta.url);
const read = (tag: string) =>
  parseCounters({
    snmp: readFileSync(new URL(`${tag}.snmp`, dir), 'utf8'),
    netstat: readFileSync(new URL(`${tag}.netstat`, dir), 'utf8'),
    snmp6: readFileSync(new URL(`${tag}.snmp6`, dir), 'utf8'),
  });

describe('parseCounters over real /proc/net text', () => {
  const start = read('start');
  const end = read('end');

  it('names every counter Group.Name, from all three files', () => {
    expect(end.get('Tcp.ActiveOpens')).toBe(5n);
    expect(end.get('Tcp.MaxConn')).toBe(-1n);
    expect(end.has('TcpExt.ListenOverflows')).toBe(true);
    expect(end.has('IpExt.InOctets')).toBe(true);
    expect(end.has('Ip6.InReceives')).toBe(true);
    expect(end.has('Icmp6.InMsgs')).toBe(true);
    expect(end.has('Udp6.InDatagrams')).toBe(true);
    expect(end.has('UdpLite6.InDatagrams')).toBe(true);
    expect(end.has('MPTcpExt.MPCapableSYNRX')).toBe(true);
  });

  it('gives the deltas the connects made: 5 active opens, 2 passive, 3 refused', () => {
    expect(counterDelta(start, end, 'Tcp.ActiveOpens')).toBe(5);
    expect(counterDelta(start, end, 'Tcp.PassiveOpens')).toBe(2);
    expect(counterDelta(start, end, 'Tcp.AttemptFails')).toBe(3);
    expect(counterDelta(start, end, 'Tcp.OutRsts')).toBe(3);
    expect(counterDelta(start, end, 'TcpExt.NoSuchCounter')).toBe(0);
  });

  it('keeps only the TCP/IP/ICMP counters that moved', () => {
    const moved = movedCounters(start, end);
    expect(moved).toMatchObject({ 'Tcp.ActiveOpens': 5, 'Tcp.PassiveOpens': 2, 'Tcp.AttemptFails': 3, 'Tcp.InSegs': 18, 'Tcp.OutSegs': 18 });
    expect(Object.keys(moved).every((k) => /^(Tcp|TcpExt|Ip|IpExt|Icmp|Ip6|Icmp6)\./.test(k))).toBe(true);
    expect(Object.values(moved).every((v) => v !== 0)).toBe(true);
    expect(moved['Tcp.RtoMax']).toBeUndefined();
  });

  it('a line the kernel lists only once non-zero (snmp6 Icmp6.OutTypeN) counts from 0 when it appears', () => {
    const before = parseSnmp6Counters('Icmp6OutMsgs                    \t0\n');
    const after = parseSnmp6Counters('Icmp6OutMsgs                    \t3\nIcmp6OutType133                 \t3\n');
    expect(counterDelta(before, after, 'Icmp6.OutType133')).toBe(3);
    expect(movedCounters(before, after)).toEqual({ 'Icmp6.OutMsgs': 3, 'Icmp6.OutType133': 3 });
  });

  it('knows every name of the kept groups that 6.18 shows', () => {
    const kept = [...end.keys()].filter((n) => /^(Tcp|TcpExt|Ip|IpExt|Icmp|Ip6|Icmp6)\./.test(n));
    expect(kept.length).toBeGreaterThan(200);
    expect(kept.filter((n) => !KNOWN_COUNTERS.has(n))).toEqual([]);
  });

  it('matches a short name or a full one, case-insensitively', () => {
    expect(counterNamesMatching(end.keys(), 'ListenOverflows')).toEqual(['TcpExt.ListenOverflows']);
    expect(counterNamesMatching(end.keys(), 'tcpext.listenoverflows')).toEqual(['TcpExt.ListenOverflows']);
    expect(counterNamesMatching(end.keys(), 'InReceives')).toEqual(['Ip.InReceives', 'Ip6.InReceives']);
    expect(counterNamesMatching(end.keys(), 'Nope')).toEqual([]);
  });
});

describe('parsers on edge text', () => {
  it('skips a header whose value line is missing or does not fit', () => {
    const s = parseTableCounters('Tcp: ActiveOpens PassiveOpens\nTcp: 1\nIp: Forwarding\nIp: 2\nTcpExt: A B\n');
    expect([...s]).toEqual([['Ip.Forwarding', 2n]]);
  });

  it('keeps 64-bit values exact', () => {
    const a = parseTableCounters('IpExt: InOctets\nIpExt: 18446744073709551000\n');
    const b = parseTableCounters('IpExt: InOctets\nIpExt: 18446744073709551615\n');
    expect(counterDelta(a, b, 'IpExt.InOctets')).toBe(615);
  });

  it('reads snmp6 lines with their group prefix', () => {
    const s = parseSnmp6Counters('Ip6InReceives                   \t592\nIcmp6OutType135                 \t7\nUdpLite6InErrors 0\n');
    expect([...s]).toEqual([
      ['Ip6.InReceives', 592n],
      ['Icmp6.OutType135', 7n],
      ['UdpLite6.InErrors', 0n],
    ]);
  });
});
