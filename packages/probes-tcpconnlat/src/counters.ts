/**
 * tcpconnlat's figures against the kernel's own counters: handshakes timed from their SYN, as
 * Tcp.ActiveOpens counts SYNs, and the failed ones as Tcp.AttemptFails — less those their owner
 * closed in SYN_SENT (tcp_close: no tcp_done, no AttemptFails).
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcpconnlatData } from './index.js';
import type { TcpconnlatParams } from './params.js';

/** every handshake timed was also reported (none below minUs, none lost): outcomes tell aborts apart */
const allReported = (d: TcpconnlatData) => Object.values(d.outcomes).reduce((s, n) => s + n, 0) === d.latency.count + d.failed.count;

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
      figure: 'failed.count − outcomes.aborted',
      // the owner's aborts are told apart only where every handshake was reported
      value: (d) => d.failed.count - (allReported(d) ? (d.outcomes.aborted ?? 0) : 0),
      expect: (d) => (allReported(d) ? 'equal' : 'atMost'),
      why: 'AttemptFails counts handshakes that failed through tcp_done (a RST, a timeout, an ICMP error), not those their owner closed in SYN_SENT (aborted: told apart only when every handshake was reported, none below minUs or lost); a connect from before the job that fails in it, and a passive child that dies in SYN_RECV, are AttemptFails only',
    },
  ],
};
