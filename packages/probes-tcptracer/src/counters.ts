/**
 * tcptracer's connects and accepts against the kernel's own counters.
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
      expect: 'equal',
      why: 'PassiveOpens counts completed handshakes, accept() takes them from the queue later: connections queued before the job, still queued at its end or never accepted differ',
    },
  ],
};
