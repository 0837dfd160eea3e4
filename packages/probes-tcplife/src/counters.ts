/**
 * tcplife has no honest counter pair.
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcplifeData } from './index.js';
import type { TcplifeParams } from './params.js';

export const counters: CounterDeclaration<TcplifeData, TcplifeParams> = {
  pairs: [],
  none: "the kernel counts no session ends, and a session's bytes cover its whole life, also before the job attached",
};
