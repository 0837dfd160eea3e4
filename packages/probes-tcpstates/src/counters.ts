/**
 * tcpstates' transitions against the kernel's own counters, each bumped beside the state change
 * itself: CLOSE->SYN_SENT (tcp_connect: Tcp.ActiveOpens), LISTEN->SYN_RECV (a passive child created:
 * Tcp.PassiveOpens), ESTABLISHED/CLOSE_WAIT->CLOSE (tcp_set_state: Tcp.EstabResets), and
 * SYN_SENT/SYN_RECV->CLOSE (Tcp.AttemptFails when through tcp_done).
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcpstatesData } from './index.js';
import type { TcpstatesParams } from './params.js';

const count = (d: TcpstatesData, pairs: Array<[string, string]>) =>
  d.transitions.filter((t) => pairs.some(([f, to]) => t.from === f && t.to === to)).reduce((s, t) => s + t.count, 0);

export const counters: CounterDeclaration<TcpstatesData, TcpstatesParams> = {
  pairs: [
    {
      counter: 'Tcp.ActiveOpens',
      figure: 'CLOSE->SYN_SENT',
      value: (d) => count(d, [['CLOSE', 'SYN_SENT']]),
      expect: 'equal',
      why: 'a connect whose SYN cannot be sent enters SYN_SENT without an ActiveOpen',
    },
    {
      counter: 'Tcp.PassiveOpens',
      figure: 'LISTEN->SYN_RECV',
      value: (d) => count(d, [['LISTEN', 'SYN_RECV']]),
      expect: 'equal',
      why: 'both are the child socket the kernel creates when a handshake completes',
    },
    {
      counter: 'Tcp.EstabResets',
      figure: 'ESTABLISHED->CLOSE + CLOSE_WAIT->CLOSE',
      value: (d) => count(d, [['ESTABLISHED', 'CLOSE'], ['CLOSE_WAIT', 'CLOSE']]),
      expect: 'equal',
      why: 'both count connections that go straight from ESTABLISHED or CLOSE_WAIT to CLOSE (a reset, an abort)',
    },
    {
      counter: 'Tcp.AttemptFails',
      figure: 'SYN_SENT->CLOSE + SYN_RECV->CLOSE',
      value: (d) => count(d, [['SYN_SENT', 'CLOSE'], ['SYN_RECV', 'CLOSE']]),
      expect: 'atMost',
      why: 'a connect closed by its owner before the handshake ends goes SYN_SENT->CLOSE without an AttemptFail',
    },
  ],
};
