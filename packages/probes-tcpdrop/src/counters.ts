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
      figure: 'reasons{TCP_LISTEN_OVERFLOW}',
      value: (d) => reason(d, 'TCP_LISTEN_OVERFLOW'),
      expect: 'atLeast',
      why: 'a SYN refused at a full accept queue is counted, but the kernel frees it without a drop reason: only completed handshakes that meet a full queue are drops',
    },
    {
      counter: 'TcpExt.ListenDrops',
      figure: 'reasons{TCP_LISTEN_OVERFLOW}',
      value: (d) => reason(d, 'TCP_LISTEN_OVERFLOW'),
      expect: 'atLeast',
      why: 'ListenDrops counts every drop at a listener, whatever its reason, and SYNs refused at a full queue',
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
