import { describe, expect, it } from 'vitest';
import { log2Histogram } from '@sonde/probe-sdk';
import type { TcptraceData } from './index.js';
import { renderTcptrace } from './render.js';

const st = (stage: string, atUs: number, deltaUs: number, ifname: string) => ({ stage, tsNs: '0', atUs, deltaUs, cpu: 1, ifindex: 1, ifname });

describe('renderTcptrace', () => {
  it('prints a tcpdump-like line and a stage table per packet, histograms, paths', () => {
    const data: TcptraceData = {
      packets: [
        {
          skb: '0x1', family: 4, saddr: '127.0.0.1', sport: 40000, daddr: '127.0.0.1', dport: 8080, seq: 1, len: 1000, flags: 'P.', end: 'read', lostStages: 0,
          stages: [st('net_dev_queue', 0, 0, 'lo'), st('tcp_probe', 2.5, 2.5, ''), st('sock_recv_length', 150.25, 147.75, '')],
        },
      ],
      tracked: 9,
      notKept: 2,
      paths: { 'net_dev_queue>tcp_probe>sock_recv_length': 1 },
      stages: [{ from: 'net_dev_queue', to: 'net_dev_start_xmit', hist: log2Histogram([0, 0, 0, 0, 0, 0, 0, 0, 3], { unit: 'nsecs', sum: 900, min: 290, max: 310 }) }],
    };
    const lines = renderTcptrace(data).split('\n');
    expect(lines.slice(0, 5)).toEqual([
      '127.0.0.1.40000 > 127.0.0.1.8080: Flags [P.], seq 1, length 1000 (end: read)',
      '  STAGE                +US DELTA_US CPU DEV',
      '  net_dev_queue      0.000    0.000   1 lo',
      '  tcp_probe          2.500    2.500   1 -',
      '  sock_recv_length 150.250  147.750   1 -',
    ]);
    expect(lines[5]).toBe('… 2 more packets only in the histograms');
    expect(lines[7]).toBe('net_dev_queue -> net_dev_start_xmit');
    expect(lines[8]).toBe('     nsecs               : count    distribution');
    expect(lines).toContain('      1 net_dev_queue>tcp_probe>sock_recv_length');
    expect(lines.at(-2)).toBe('9 packets tracked');
  });
});
