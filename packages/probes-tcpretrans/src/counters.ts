/**
 * tcpretrans' totals against the kernel's own counters: Tcp.RetransSegs counts the segments of every
 * retransmit that went out (__tcp_retransmit_skb, tcp_rtx_synack), TcpExt.TCPLossProbes the tail-loss
 * probes sent.
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcpretransData } from './index.js';
import type { TcpretransParams } from './params.js';

export const counters: CounterDeclaration<TcpretransData, TcpretransParams> = {
  pairs: [
    {
      counter: 'Tcp.RetransSegs',
      figure: 'total.segments',
      value: (d) => d.total.segments,
      expect: 'equal',
      why: 'both count the segments of retransmits that went out (SYN-ACKs included); flows past the flows map (10 240) are not counted',
    },
    {
      counter: 'TcpExt.TCPLossProbes',
      figure: 'total.tlp',
      value: (d) => d.total.tlp,
      expect: 'equal',
      why: 'both count tail-loss probes sent (with tlp only)',
    },
  ],
};
