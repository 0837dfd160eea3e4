/**
 * tcpports' last snapshot against the kernel's own gauge of open connections.
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcpportsData } from './index.js';
import type { TcpportsParams } from './params.js';

export const counters: CounterDeclaration<TcpportsData, TcpportsParams> = {
  // the tcp iterator walks the namespace sonde runs in
  scope: 'own',
  pairs: [
    {
      counter: 'Tcp.CurrEstab',
      gauge: true,
      figure: 'states ESTABLISHED + CLOSE_WAIT',
      value: (d) => (d.states.ESTABLISHED ?? 0) + (d.states.CLOSE_WAIT ?? 0),
      expect: 'equal',
      why: "CurrEstab is the connections in ESTABLISHED or CLOSE_WAIT now (kernels without 'tcp: count CLOSE-WAIT sockets for TCP_MIB_CURRESTAB' leave CLOSE_WAIT out); the last snapshot and the read after the job are moments apart",
    },
  ],
};
