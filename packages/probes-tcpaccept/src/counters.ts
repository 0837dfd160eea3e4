/**
 * tcpaccept's figure against the kernel's own counter: Tcp.PassiveOpens counts the children the
 * kernel creates when a handshake completes (tcp_create_openreq_child); accept() takes them later.
 * A full accept queue creates no child (ListenOverflows instead), so overflows do not part the two;
 * children left in the queue do.
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
      // equal when every handshake completed in the job is accepted in it; a listener that does not keep up
      // (the ordinary accept-queue overflow) leaves children queued: PassiveOpens only
      expect: 'atLeast',
      why: 'PassiveOpens counts completed handshakes (children queued), accept() takes them later: children still queued at the end or never accepted (a slow or stuck listener, a closed one resets them) are PassiveOpens only; a connection queued before the job and accepted in it is an accept only',
    },
  ],
};
