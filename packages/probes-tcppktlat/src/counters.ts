/**
 * tcppktlat's read count against the kernel's own counter of received segments.
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcppktlatData } from './index.js';
import type { TcppktlatParams } from './params.js';

export const counters: CounterDeclaration<TcppktlatData, TcppktlatParams> = {
  pairs: [
    {
      counter: 'Tcp.InSegs',
      figure: 'histogram.count',
      value: (d) => d.histogram.count,
      expect: 'atLeast',
      why: 'each timed read took data from at least one segment received during the job; InSegs counts every TCP segment received',
    },
  ],
};
