/**
 * tcptrace has no honest counter pair.
 */
import type { CounterDeclaration } from '@sonde/probe-sdk';
import type { TcptraceData } from './index.js';
import type { TcptraceParams } from './params.js';

export const counters: CounterDeclaration<TcptraceData, TcptraceParams> = {
  pairs: [],
  none: 'packets are tracked at the device layer, not counted by TCP: one loopback or veth timeline holds both ends, a GSO skb many segments, and forwarded segments are tracked too',
};
