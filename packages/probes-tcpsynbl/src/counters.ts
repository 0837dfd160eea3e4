/**
 * tcpsynbl's overflows against the kernel's own counters: TcpExt.ListenOverflows is bumped by the same
 * sk_acceptq_is_full() test the fentry/kprobe variants watch (tcp_conn_request for SYNs,
 * tcp_v4/v6_syn_recv_sock for completed handshakes); TcpExt.ListenDrops by every drop at a listener.
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcpsynblData } from './index.js';
import type { TcpsynblParams } from './params.js';

/** null: this kernel gave no way to count overflows */
const overflows = (d: TcpsynblData) => (d.overflowsCountedBy === null ? null : d.overflows);

export const counters: CounterDeclaration<TcpsynblData, TcpsynblParams> = {
  pairs: [
    {
      counter: 'TcpExt.ListenOverflows',
      figure: 'overflows',
      value: overflows,
      expect: 'equal',
      why: "both count the accept-queue-full test at SYNs and at completed handshakes (one by one on fentry/kprobe; elsewhere SYNs from each listener's drop counter)",
    },
    {
      counter: 'TcpExt.ListenDrops',
      figure: 'listenDrops',
      value: (d) => d.listenDrops,
      expect: 'equal',
      why: "both count every SYN or handshake dropped at a listener (overflows, a full SYN queue without cookies, memory): the figure is the listeners' own drop counters less the drops kfree_skb names against them",
    },
  ],
};
