import { describe, expect, it } from 'vitest';
import type { TcpretransEvent } from './decode.js';
import { renderTcpretrans } from './render.js';

const ev: TcpretransEvent = {
  time: '2026-11-25T01:55:05.000Z', tsNs: '1', skaddr: '0x1', pid: 0, tid: 0, uid: 0, comm: '', cgroup: '0', netns: 1, family: 4,
  laddr: '10.153.223.157', lport: 22, raddr: '69.53.245.40', rport: 34619, type: 'R', state: 'ESTABLISHED', seq: 1234, segs: 1,
};
const flows = [{ family: 4 as const, laddr: '10.153.223.157', lport: 22, raddr: '69.53.245.40', rport: 34619, cgroup: '0', retransmits: 2, segments: 2 }];

describe('renderTcpretrans', () => {
  it('prints events in the upstream layout, with SEQ when asked', () => {
    const text = renderTcpretrans({ events: [ev], flows, total: { retransmits: 1, segments: 1 } }, { count: false, sequence: true });
    const lines = text.split('\n');
    expect(lines[0]).toBe('TIME     PID     IP LADDR:LPORT          T> RADDR:RPORT          STATE       SEQ');
    expect(lines[1]).toBe('01:55:05 0       4  10.153.223.157:22    R> 69.53.245.40:34619   ESTABLISHED 1234');
    expect(text).toContain('1 retransmits (1 segments) in 1 flows');
  });
  it('prints the count table in count mode', () => {
    expect(renderTcpretrans({ flows, total: { retransmits: 2, segments: 2 } }, { count: true, sequence: false })).toBe(
      'LADDR:LPORT              RADDR:RPORT             RETRANSMITS\n10.153.223.157:22    <-> 69.53.245.40:34619                2\n',
    );
  });
});
