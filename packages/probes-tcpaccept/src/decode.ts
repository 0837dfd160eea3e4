/** Decoding of bpf/tcpaccept.h `struct tcpaccept_event` (ring buffer records). */
import { decodeSkEventHead, SK_EVENT_HEAD_SIZE, type SkEventHead } from '@sonde/probe-sdk';

export const EVENT_SIZE = 104;

export interface TcpacceptEvent extends SkEventHead {
  /** the descriptor accept returned */
  fd: number;
  syscall: 'accept4' | 'accept';
}

export function decodeEvent(b: Buffer): TcpacceptEvent {
  if (b.length < EVENT_SIZE) throw new RangeError(`tcpaccept event is ${EVENT_SIZE} bytes, got ${b.length}`);
  const o = SK_EVENT_HEAD_SIZE;
  return { ...decodeSkEventHead(b), fd: b.readInt32LE(o), syscall: b.readUInt8(o + 4) === 1 ? 'accept' : 'accept4' };
}
