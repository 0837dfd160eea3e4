/**
 * tcpretrans' totals against the kernel's own counters: Tcp.RetransSegs counts the segments of every
 * retransmit that went out (__tcp_retransmit_skb, tcp_rtx_synack), TcpExt.TCPSynRetrans the SYNs and
 * SYN-ACKs among them, TcpExt.TCPLossProbes the tail-loss probes sent.
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
      counter: 'TcpExt.TCPSynRetrans',
      figure: 'total.syn',
      value: (d) => d.total.syn,
      expect: 'equal',
      why: 'both count SYNs and SYN-ACKs retransmitted; the figure comes from the events (count mode has none), so events the ring buffer lost are missing from it',
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
