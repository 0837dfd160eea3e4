/**
 * tcpdrop's drop reasons against the kernel's own counters: the reasons the kernel documents as
 * corresponding to a MIB counter (include/net/dropreason-core.h), bumped on the same path.
 */
import type { CounterDeclaration, CounterPair } from '@sonde/probe-sdk';
import type { TcpdropData } from './index.js';
import type { TcpdropParams } from './params.js';

const reason = (d: TcpdropData, name: string) => d.reasons.find((r) => r.reason === name)?.count ?? 0;

const same = (counter: string | string[], name: string, why: string): CounterPair<TcpdropData, TcpdropParams> => ({
  counter,
  figure: `reasons{${name}}`,
  value: (d) => reason(d, name),
  expect: 'equal',
  why,
});

export const counters: CounterDeclaration<TcpdropData, TcpdropParams> = {
  pairs: [
    {
      counter: 'TcpExt.ListenOverflows',
      figure: 'listenOverflows.count',
      value: (d) => (d.listenOverflows.countedBy === null ? null : d.listenOverflows.count),
      expect: 'equal',
      why: "both count the accept-queue-full test at SYNs and at completed handshakes (one by one on fentry/kprobe; elsewhere SYNs from each listener's drop counter); reasons{TCP_LISTEN_OVERFLOW} holds the same count",
    },
    {
      counter: 'TcpExt.ListenDrops',
      figure: 'listenOverflows.listenDrops',
      value: (d) => d.listenOverflows.listenDrops,
      expect: 'equal',
      why: "both count every SYN or handshake dropped at a listener (overflows, a full SYN queue without cookies, memory): the figure is the listeners' own drop counters less the drops kfree_skb names against them",
    },
    same('TcpExt.TCPBacklogDrop', 'SOCKET_BACKLOG', 'both are the segment that did not fit the socket backlog (tcp_add_backlog)'),
    same('TcpExt.TCPZeroWindowDrop', 'TCP_ZEROWINDOW', 'both are data that arrived at a zero receive window'),
    { ...same(['TcpExt.PAWSEstab', 'TcpExt.PAWSActive'], 'TCP_RFC7323_PAWS', 'both are segments that failed the PAWS timestamp check; kernels before PAWSTimewait also count TIME_WAIT rejects as PAWSEstab'), expect: 'atLeast' },
    same('TcpExt.PAWSTimewait', 'TCP_RFC7323_TW_PAWS', 'both are segments to a TIME_WAIT socket that failed the PAWS check'),
    same('TcpExt.PAWSOldAck', 'TCP_RFC7323_PAWS_ACK', 'both are old ACKs that failed the PAWS check'),
    same('TcpExt.TSEcrRejected', 'TCP_RFC7323_TSECR', 'both are segments whose echoed timestamp was never sent'),
    same('Tcp.InCsumErrors', 'TCP_CSUM', 'both are TCP segments with a bad checksum'),
  ],
};
