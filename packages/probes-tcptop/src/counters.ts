/**
 * tcptop's bytes against the kernel's own byte counters (IP layer, both families).
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcptopData } from './index.js';
import type { TcptopParams } from './params.js';

export const counters: CounterDeclaration<TcptopData, TcptopParams> = {
  pairs: [
    {
      counter: ['IpExt.OutOctets', 'Ip6.OutOctets'],
      figure: 'total.txBytes',
      value: (d) => d.total.txBytes,
      expect: 'atLeast',
      why: 'the octets add IP and TCP headers, retransmits and every other protocol; bytes accepted by TCP but still queued at the end are sent after it',
    },
    {
      counter: ['IpExt.InOctets', 'Ip6.InOctets'],
      figure: 'total.rxBytes',
      value: (d) => d.total.rxBytes,
      expect: 'atLeast',
      why: 'the octets add headers and every other protocol; bytes received before the job but read during it are tcptop\'s only',
    },
  ],
};
