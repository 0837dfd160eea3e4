import { describe, expect, it } from 'vitest';
import { renderTcpdrop } from './render.js';
import type { TcpdropData } from './index.js';

const data: TcpdropData = {
  total: 3,
  reasons: [
    { reason: 'TCP_LISTEN_OVERFLOW', value: 40, subsystem: 'CORE', count: 2 },
    { reason: 'NO_SOCKET', value: 3, subsystem: 'CORE', count: 1 },
  ],
  flows: [{ family: 4, laddr: '10.0.0.2', lport: 7000, raddr: '10.0.0.1', rport: 40000, reason: 'TCP_LISTEN_OVERFLOW', cgroup: '10562', count: 2, state: 'LISTEN', flags: 'PSH|ACK' }],
  flowCount: 2,
  flowsMissed: 0,
  stacks: [{ reason: 'TCP_LISTEN_OVERFLOW', count: 2, frames: ['sk_skb_reason_drop+0x90', 'tcp_v4_rcv+0x5d1'] }],
  stackCount: 2,
  stacklessDrops: 0,
  events: [
    {
      time: '2026-11-25T15:56:39.365Z', skaddr: null, netns: 1, family: 4, laddr: '10.0.0.2', lport: 7003, raddr: '10.0.0.1', rport: 56816,
      reason: 'NO_SOCKET', state: '-', flags: 'SYN', cgroup: '0', location: 'tcp_v4_rcv+0x91', stack: ['sk_skb_reason_drop+0x90', 'tcp_v4_rcv+0x91'],
    },
  ],
  eventsOmitted: 2,
  listenOverflows: {
    count: 2,
    countedBy: 'listener_drops',
    listenDrops: 2,
    listeners: [
      { family: 4, laddr: '10.0.0.2', lport: 7000, netns: 4026532304, pid: 4242, comm: 'python3', uid: 0, cgroup: '10562', maxBacklog: 4, backlog: 5, backlogPeak: 5, listenDrops: 2, overflows: 2, synOverflows: 0, ackOverflows: 2, opened: false, closed: false },
    ],
  },
};

describe('renderTcpdrop', () => {
  it('prints upstream event lines with stacks, then the summary', () => {
    const out = renderTcpdrop(data);
    expect(out.split('\n').slice(0, 5)).toEqual([
      'TIME     PID     IP SADDR:SPORT          > DADDR:DPORT          STATE (FLAGS) REASON',
      '15:56:39 -       4  10.0.0.2:7003        > 10.0.0.1:56816       - (SYN) NO_SOCKET',
      '\tsk_skb_reason_drop+0x90',
      '\ttcp_v4_rcv+0x91',
      '',
    ]);
    expect(out).toContain('(2 more drops counted below, not listed)');
    expect(out).toContain('3 TCP drops\n\nBY REASON\nCOUNT REASON\n    2 TCP_LISTEN_OVERFLOW\n    1 NO_SOCKET\n');
    expect(out).toContain('BY FLOW (top 1 of 2)\nCOUNT LADDR:LPORT   RADDR:RPORT    STATE  FLAGS   REASON\n    2 10.0.0.2:7000 10.0.0.1:40000 LISTEN PSH|ACK TCP_LISTEN_OVERFLOW\n');
    expect(out).toContain('BY STACK (top 1 of 2)\n2 TCP_LISTEN_OVERFLOW\n\tsk_skb_reason_drop+0x90\n\ttcp_v4_rcv+0x5d1\n');
    expect(out).toContain(
      [
        'LISTENERS (2 listen overflows counted by listener_drops; listen drops 2)',
        'LISTENER           NETNS  PID COMM    QUEUE_PEAK LIMIT LISTEN_DROPS OVERFLOWS SYN ACK',
        '10.0.0.2:7000 4026532304 4242 python3          5     4            2         2   0   2',
      ].join('\n'),
    );
  });
  it('says so when nothing matched', () => {
    expect(renderTcpdrop({ ...data, total: 0, events: [], eventsOmitted: 0, reasons: [], flows: [], stacks: [] })).toBe('no TCP drops matched\n');
  });
});
