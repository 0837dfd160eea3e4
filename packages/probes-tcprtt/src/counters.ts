/**
 * tcprtt's sample count against the kernel's own counter of received segments.
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcprttData } from './index.js';
import type { TcprttParams } from './params.js';

export const counters: CounterDeclaration<TcprttData, TcprttParams> = {
  pairs: [
    {
      counter: 'Tcp.InSegs',
      figure: 'total.count',
      value: (d) => d.total.count,
      expect: 'atLeast',
      why: 'a sample is taken per segment received on an established connection (tcp_probe); InSegs counts every TCP segment received',
    },
  ],
};
