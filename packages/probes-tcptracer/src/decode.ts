/** What bpf/tcptracer.h's struct tcptracer_event means (layout: layout.gen.ts). */
import { ProbeLoadError, skEventHead, type SkEventHead } from '@sonde/probe-sdk';
import { tcptracer_event } from './layout.gen.js';

export interface TcptracerEvent extends SkEventHead {
  /** C connect, A accept, X close */
  type: 'C' | 'A' | 'X';
}

export function decodeEvent(b: Buffer): TcptracerEvent {
  const e = tcptracer_event.decode(b);
  const t = String.fromCharCode(e.type);
  if (t !== 'C' && t !== 'A' && t !== 'X') throw new ProbeLoadError(`tcptracer: unknown event type ${e.type}`, 'read');
  return { ...skEventHead(e.h), type: t };
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
