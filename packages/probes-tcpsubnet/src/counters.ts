/**
 * tcpsubnet's bytes against the kernel's own byte counters (IP layer, both families).
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcpsubnetData } from './index.js';
import type { TcpsubnetParams } from './params.js';

export const counters: CounterDeclaration<TcpsubnetData, TcpsubnetParams> = {
  pairs: [
    {
      counter: ['IpExt.OutOctets', 'Ip6.OutOctets'],
      figure: 'total bytes',
      value: (d) => d.total.rows.reduce((s, r) => s + r.bytes, 0),
      expect: 'atLeast',
      why: 'the octets add IP and TCP headers, retransmits and every other protocol; bytes accepted by TCP but still queued at the end are sent after it',
    },
  ],
};
