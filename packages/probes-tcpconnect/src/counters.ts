/**
 * tcpconnect's figures against the kernel's own counters (nstat names): every connect that sent a SYN
 * is a Tcp.ActiveOpens (tcp_connect), and one that failed from SYN_SENT through tcp_done (a RST, a
 * timeout, an ICMP error) a Tcp.AttemptFails.
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcpconnectData } from './index.js';
import type { TcpconnectParams } from './params.js';

/** outcomes that end in tcp_done from SYN_SENT, the AttemptFails path */
const FAILED_IN_SYN_SENT = ['refused', 'timeout', 'unreachable', 'error'] as const;

export const counters: CounterDeclaration<TcpconnectData, TcpconnectParams> = {
  pairs: [
    {
      counter: 'Tcp.ActiveOpens',
      figure: 'totals.connects',
      value: (d) => d.totals.connects,
      // the fexit variants also report connects that fail before any SYN: connects, not ActiveOpens
      expect: (_d, variant) => (variant.includes('fexit') ? 'atMost' : 'equal'),
      why: 'ActiveOpens counts SYNs sent; connects that fail before any SYN (no route, no address) are reported by the fexit variants but never counted',
    },
    {
      counter: 'Tcp.AttemptFails',
      figure: 'outcomes{refused,timeout,unreachable,error}',
      value: (d) => (d.mode === 'events' ? FAILED_IN_SYN_SENT.reduce((s, o) => s + (d.outcomes[o] ?? 0), 0) : d.totals.failed),
      // count mode cannot tell a connect aborted by its owner (tcp_close, no AttemptFails) from a failed one
      expect: (d) => (d.mode === 'events' ? 'equal' : 'atMost'),
      why: "AttemptFails counts sockets that die in SYN_SENT/SYN_RECV through tcp_done: a connect aborted by its owner is not one, a passive Fast Open child that dies in SYN_RECV is, and so is a connect from before the job that fails in it",
    },
  ],
};
