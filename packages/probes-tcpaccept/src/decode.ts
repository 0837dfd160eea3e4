/** What bpf/tcpaccept.h's `struct tcpaccept_event` (ring buffer records) means. Layout: layout.gen.ts. */
import { skEventHead, type SkEventHead } from '@sonde/probe-sdk';
import { tcpaccept_event } from './layout.gen.js';

export interface TcpacceptEvent extends SkEventHead {
  /** the descriptor accept returned */
  fd: number;
  syscall: 'accept4' | 'accept';
}

export function decodeEvent(b: Buffer): TcpacceptEvent {
  const e = tcpaccept_event.decode(b);
  return { ...skEventHead(e.h), fd: e.fd, syscall: e.syscall === 1 ? 'accept' : 'accept4' };
}
