/**
 * What tcpreset's kernel records mean: their bytes are decoded by the layouts generated from BTF
 * (layout.gen.ts); the reasons are named from the running kernel's `enum sk_rst_reason`.
 */
import { decodeScalar, mapEntries, sockTuple, skEventHead, tcpStateName, type MapDump, type Owner, type SkEventHead, type SockTuple } from '@sonde/probe-sdk';
import { tcpreset_event, tcpreset_flow, tcpreset_flow_key, tcpreset_reason_key } from './layout.gen.js';

/** bpf/tcpreset.h: TCPRESET_NO_REASON, TCPRESET_SENT/RECEIVED, TCPRESET_F_* */
export const NO_REASON = 0xffffffff;
const F_NO_SOCKET = 1;
const F_ACTIVE = 2;
const F_LATE = 4;

export type Direction = 'sent' | 'received';
const direction = (d: number): Direction => (d === 0 ? 'sent' : 'received');

/**
 * Names of reset reasons from the kernel's BTF (`ctx.kernelEnum('sk_rst_reason')`, 6.10+), never a
 * table of our own: `SK_RST_REASON_NO_SOCKET` is `NO_SOCKET`. null: the kernel gave no reason.
 */
export type ReasonNames = (value: number) => string | null;

export function rstReasons(entries: ReadonlyArray<{ name: string; value: number }>): ReasonNames {
  const names = new Map<number, string>();
  for (const e of entries) {
    const n = e.name.replace(/^SK_RST_REASON_/, '');
    if (n !== 'MAX' && !names.has(e.value)) names.set(e.value, n);
  }
  return (v) => (v === NO_REASON ? null : (names.get(v) ?? `REASON_${v}`));
}

export interface ResetEvent extends SkEventHead {
  direction: Direction;
  /** the kernel's reason (sent, 6.10+); null for a received reset, and for any before 6.10 */
  reason: string | null;
  /** the socket's TCP state at the reset; '-' when it was sent for a segment no socket took */
  state: string;
  /** sent by the socket itself (close with unread data or SO_LINGER 0, a timeout), not in reply to a segment */
  active: boolean;
  /** a received reset of a socket that had closed: reported once no reset of its own followed */
  late: boolean;
}

export function decodeEvent(b: Buffer, reasons: ReasonNames): ResetEvent {
  const e = tcpreset_event.decode(b);
  return {
    ...skEventHead(e.h),
    direction: direction(e.dir),
    reason: reasons(e.reason),
    state: e.flags & F_NO_SOCKET ? '-' : tcpStateName(e.state),
    active: (e.flags & F_ACTIVE) !== 0,
    late: (e.flags & F_LATE) !== 0,
  };
}

export interface ReasonCount {
  direction: Direction;
  reason: string | null;
  count: number;
}

export function decodeReasons(dump: MapDump, reasons: ReasonNames): ReasonCount[] {
  const out: ReasonCount[] = [];
  for (const { key, value } of mapEntries(dump)) {
    const k = tcpreset_reason_key.decode(key);
    out.push({ direction: direction(k.dir), reason: reasons(k.reason), count: decodeScalar('u64', value) });
  }
  return out;
}

export interface ResetFlow extends SockTuple {
  direction: Direction;
  reason: string | null;
  netns: number;
  /** the socket's cgroup v2 id ('0' without a socket); the control plane resolves it into `owner` */
  cgroup: string;
  /** who owns the socket (attached by the control plane from `cgroup`) */
  owner?: Owner;
  /** the owning process of the last reset (0 / '' when none was known) */
  pid: number;
  comm: string;
  count: number;
}

export function decodeFlows(dump: MapDump, reasons: ReasonNames): ResetFlow[] {
  const out: ResetFlow[] = [];
  for (const { key, value } of mapEntries(dump)) {
    const k = tcpreset_flow_key.decode(key);
    const v = tcpreset_flow.decode(value);
    out.push({
      direction: direction(k.dir),
      ...sockTuple(k.t),
      netns: k.netns,
      reason: reasons(k.reason),
      cgroup: v.cgroup.toString(),
      pid: v.pid,
      comm: v.comm,
      count: v.count,
    });
  }
  return out;
}

/** the received resets still held at the end (bpf: rx_held): each one arrived */
export function decodeHeld(dump: MapDump, reasons: ReasonNames): ResetEvent[] {
  return [...mapEntries(dump)].map(({ value }) => ({ ...decodeEvent(value, reasons), late: true }));
}
