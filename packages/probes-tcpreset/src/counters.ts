/**
 * tcpreset's figures against the kernel's own counters: Tcp.OutRsts counts every RST the kernel sends
 * (tcp_v{4,6}_send_reset and tcp_send_active_reset, IPv4 and IPv6 alike), on the same paths.
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcpresetData } from './index.js';
import type { TcpresetParams } from './params.js';

export const counters: CounterDeclaration<TcpresetData, TcpresetParams> = {
  pairs: [
    {
      counter: 'Tcp.OutRsts',
      figure: 'total.sent',
      // the last-resort variant sees full sockets only: the counter counts more
      value: (d) => d.total.sent,
      expect: (_d, variant) => (variant === 'tp_btf_full_sk' ? 'atLeast' : 'equal'),
      why: "both count each RST the kernel sends; the kernel also counts a socket's own reset it could not allocate (TcpExtTCPAbortFailed), and before 6.10 sonde counts a reply the kernel then withholds (a TCP-MD5 mismatch, a segment not addressed to this host)",
    },
  ],
};
