/**
 * tcpconnlat's figures against the kernel's own counters: handshakes timed from their SYN, as
 * Tcp.ActiveOpens counts SYNs, and the failed ones as Tcp.AttemptFails.
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcpconnlatData } from './index.js';
import type { TcpconnlatParams } from './params.js';

export const counters: CounterDeclaration<TcpconnlatData, TcpconnlatParams> = {
  pairs: [
    {
      counter: 'Tcp.ActiveOpens',
      figure: 'latency.count + failed.count',
      value: (d) => d.latency.count + d.failed.count,
      expect: 'atLeast',
      why: 'a handshake is timed when it ends: connects still in SYN_SENT at the end are ActiveOpens only',
    },
    {
      counter: 'Tcp.AttemptFails',
      figure: 'failed.count',
      value: (d) => d.failed.count,
      expect: 'atMost',
      why: 'failed counts every handshake that ended in CLOSE, also those its owner aborted (tcp_close, no AttemptFails); a connect from before the job that fails in it is an AttemptFail only',
    },
  ],
};
