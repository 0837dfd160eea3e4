/**
 * tcplife's sessions against the kernel's own counters of opens: a session is born at CLOSE->SYN_SENT
 * (tcp_connect: Tcp.ActiveOpens) or LISTEN->SYN_RECV (a passive child: Tcp.PassiveOpens) and reported
 * when it closes. Its bytes have no pair: the kernel counts IP octets with headers, of every protocol,
 * and a session's bytes_acked/bytes_received cover its whole life.
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcplifeData } from './index.js';
import type { TcplifeParams } from './params.js';

export const counters: CounterDeclaration<TcplifeData, TcplifeParams> = {
  pairs: [
    {
      counter: ['Tcp.ActiveOpens', 'Tcp.PassiveOpens'],
      figure: 'sessions',
      value: (d) => d.sessions,
      expect: 'atLeast',
      why: "a session is reported when it closes, if its birth (SYN_SENT, SYN_RECV) was seen: sessions still open at the end are opens only; one born before the job is in neither (a connect still in SYN_SENT at attach that completes in the job is a session only)",
    },
  ],
};
