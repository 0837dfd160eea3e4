/**
 * tcpaccept's figure against the kernel's own counter: Tcp.PassiveOpens counts the children the
 * kernel creates when a handshake completes (tcp_create_openreq_child); accept() takes them later.
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcpacceptData } from './index.js';
import type { TcpacceptParams } from './params.js';

export const counters: CounterDeclaration<TcpacceptData, TcpacceptParams> = {
  pairs: [
    {
      counter: 'Tcp.PassiveOpens',
      figure: 'total',
      value: (d) => d.total,
      expect: 'equal',
      why: 'PassiveOpens counts completed handshakes, accept() takes them from the queue later: connections queued before the job, still queued at its end or never accepted (a full queue, a closed listener) differ',
    },
  ],
};
