/**
 * tcptracer's connects and accepts against the kernel's own counters. Closes (X) have none: the kernel
 * counts no connection ends, only those by RST from ESTABLISHED/CLOSE_WAIT (Tcp.EstabResets).
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcptracerData } from './index.js';
import type { TcptracerParams } from './params.js';

export const counters: CounterDeclaration<TcptracerData, TcptracerParams> = {
  pairs: [
    {
      counter: 'Tcp.ActiveOpens',
      figure: 'counts.connect',
      value: (d) => d.counts.connect,
      expect: 'atLeast',
      why: 'a C is a connect that reached ESTABLISHED; ActiveOpens counts every SYN sent, also the connects that failed or are still pending (and a connect from before the job that completes in it is a C only)',
    },
    {
      counter: 'Tcp.PassiveOpens',
      figure: 'counts.accept',
      value: (d) => d.counts.accept,
      expect: 'atLeast',
      why: 'PassiveOpens counts completed handshakes (children queued), accept() takes them later: children still queued at the end or never accepted (a slow or stuck listener, a closed one resets them) are PassiveOpens only; a connection queued before the job and accepted in it is an A only',
    },
  ],
};
