import { describe, expect, it } from 'vitest';
import type { TcptracerEvent } from './decode.js';
import { renderTcptracer } from './render.js';

const ev = (type: 'C' | 'A' | 'X', tsNs: string): TcptracerEvent => ({
  time: '2026-11-25T00:00:00.000Z', tsNs, skaddr: '0x1', pid: 28943, tid: 28943, uid: 0, comm: 'telnet', cgroup: '0', netns: 4026531833,
  family: 4, laddr: '192.168.1.2', lport: 59306, raddr: '192.168.1.1', rport: 23, type,
});

describe('renderTcptracer', () => {
  it('prints the upstream columns', () => {
    const lines = renderTcptracer({ events: [ev('C', '0')], counts: { connect: 1, accept: 0, close: 0 } }, { timestamp: false, verbose: false }).split('\n');
    expect(lines[0]).toBe('T  PID    COMM             IP SADDR            DADDR            SPORT  DPORT');
    expect(lines[1]).toBe('C  28943  telnet           4  192.168.1.2      192.168.1.1      59306  23');
    expect(lines[3]).toBe('1 connects, 0 accepts, 0 closes');
  });
  it('adds TIME(s) and NETNS when asked', () => {
    const lines = renderTcptracer({ events: [ev('C', '1000000000'), ev('X', '1500000000')], counts: { connect: 1, accept: 0, close: 1 } }, { timestamp: true, verbose: true }).split('\n');
    expect(lines[0]).toBe('TIME(s)   T  PID    COMM             IP SADDR            DADDR            SPORT  DPORT  NETNS');
    expect(lines[2]).toBe('0.500     X  28943  telnet           4  192.168.1.2      192.168.1.1      59306  23     4026531833');
  });
});
