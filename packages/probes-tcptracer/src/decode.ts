/** Decoding of bpf/tcptracer.h's struct tcptracer_event (104 bytes). */
import { decodeSkEventHead, ProbeLoadError, SK_EVENT_HEAD_SIZE, type SkEventHead } from '@sonde/probe-sdk';

export const EVENT_SIZE = SK_EVENT_HEAD_SIZE + 8;

export interface TcptracerEvent extends SkEventHead {
  /** C connect, A accept, X close */
  type: 'C' | 'A' | 'X';
}

export function decodeEvent(b: Buffer): TcptracerEvent {
  if (b.length < EVENT_SIZE) throw new ProbeLoadError(`tcptracer: event of ${b.length} bytes, expected ${EVENT_SIZE}`, 'read');
  const t = String.fromCharCode(b[SK_EVENT_HEAD_SIZE]!);
  if (t !== 'C' && t !== 'A' && t !== 'X') throw new ProbeLoadError(`tcptracer: unknown event type ${b[SK_EVENT_HEAD_SIZE]}`, 'read');
  const e = decodeSkEventHead(b) as TcptracerEvent;
  e.type = t;
  return e;
}

export interface TypeCounts {
  connect: number;
  accept: number;
  close: number;
}

export function countTypes(events: Iterable<{ type: string }>, into: TypeCounts = { connect: 0, accept: 0, close: 0 }): TypeCounts {
  for (const e of events) {
    if (e.type === 'C') into.connect++;
    else if (e.type === 'A') into.accept++;
    else into.close++;
  }
  return into;
}
