/**
 * Decoding of bpf/tcpdrop.bpf.c's maps and events (layouts in bpf/tcpdrop.h):
 *
 *   reasons       __u32 reason -> __u64 count
 *   flows         struct tcpdrop_flow_key { sock_tuple t; __u32 reason, pad; __u64 cgroup }   56 bytes
 *                 -> struct tcpdrop_flow_val { __u64 count; __u8 state, flags, pad[6] } 16 bytes
 *   stack_counts  struct tcpdrop_stack_key { __s32 stack_id; __u32 reason }        8 bytes -> __u64
 *   events        struct tcpdrop_event { sk_event_head h; __u64 location; __u32 reason;
 *                   __s32 stack_id; __u8 state, flags, has_sk, pad[5] }           120 bytes
 */
import {
  checkMapSizes,
  decodeSkEventHead,
  decodeSockTuple,
  mapEntries,
  ProbeLoadError,
  readU32,
  readU64Num,
  SK_EVENT_HEAD_SIZE,
  tcpStateName,
  type MapDump,
  type SkEventHead,
  type SockTuple,
} from '@sonde/probe-sdk';

export const FLOW_KEY_SIZE = 56;
export const FLOW_VALUE_SIZE = 16;
export const EVENT_SIZE = 120;
/** TCPDROP_MAX_FLOWS: beyond it new flows are only counted in flows_missed */
export const MAX_FLOWS = 10240;

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'] as const;

/** TCP header flags as bcc's tcp.flags2str prints them: `SYN|ACK`; '' for none */
export function tcpFlags(flags: number): string {
  return FLAG_NAMES.filter((_, i) => flags & (1 << i)).join('|');
}

export function decodeReasonCounts(dump: MapDump): Array<{ value: number; count: number }> {
  checkMapSizes('tcpdrop', 'reasons', dump, 4, 8);
  return Array.from(mapEntries(dump), ({ key, value }) => ({ value: readU32(key, 0), count: readU64Num(value, 0) }));
}

export interface RawFlow extends SockTuple {
  reason: number;
  /** the socket's cgroup v2 id; '0' without a socket */
  cgroup: string;
  count: number;
  /** state at the last drop, 0 without a socket */
  state: number;
  /** flags of every dropped segment, or-ed */
  flags: number;
}

export function decodeFlows(dump: MapDump): RawFlow[] {
  checkMapSizes('tcpdrop', 'flows', dump, FLOW_KEY_SIZE, FLOW_VALUE_SIZE);
  return Array.from(mapEntries(dump), ({ key: k, value: v }) => ({
    ...decodeSockTuple(k, 0),
    reason: readU32(k, 40),
    cgroup: k.readBigUInt64LE(48).toString(),
    count: readU64Num(v, 0),
    state: v[8]!,
    flags: v[9]!,
  }));
}

export function decodeStackCounts(dump: MapDump): Array<{ stackId: number; reason: number; count: number }> {
  checkMapSizes('tcpdrop', 'stack_counts', dump, 8, 8);
  return Array.from(mapEntries(dump), ({ key, value }) => ({ stackId: key.readInt32LE(0), reason: readU32(key, 4), count: readU64Num(value, 0) }));
}

export interface RawDropEvent extends SkEventHead {
  location: bigint;
  reason: number;
  stackId: number;
  state: number;
  flags: number;
  /** the tuple and state come from the socket (true) or from the packet's headers (false) */
  hasSocket: boolean;
}

export function decodeEvent(b: Buffer): RawDropEvent {
  if (b.length < EVENT_SIZE) throw new ProbeLoadError(`tcpdrop: event of ${b.length} bytes, expected ${EVENT_SIZE}`, 'read');
  const o = SK_EVENT_HEAD_SIZE;
  return {
    ...decodeSkEventHead(b),
    location: b.readBigUInt64LE(o),
    reason: b.readUInt32LE(o + 8),
    stackId: b.readInt32LE(o + 12),
    state: b[o + 16]!,
    flags: b[o + 17]!,
    hasSocket: b[o + 18] === 1,
  };
}

/** state name for a report: '-' when the drop had no socket */
export function stateName(state: number): string {
  return state === 0 ? '-' : tcpStateName(state);
}
