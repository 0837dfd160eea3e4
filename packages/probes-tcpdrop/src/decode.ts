/**
 * What bpf/tcpdrop.bpf.c's maps and events mean (structs in bpf/tcpdrop.h; layouts: layout.gen.ts):
 *
 *   reasons       __u32 reason -> __u64 count
 *   flows         struct tcpdrop_flow_key (tuple, reason, socket cgroup) -> struct tcpdrop_flow_val
 *   stack_counts  struct tcpdrop_stack_key (stack id, reason) -> __u64 count
 *   events        struct tcpdrop_event (sk_event_head, location, reason, stack id, state, flags, has_sk)
 */
import {
  checkMapSizes,
  decodeScalar,
  mapEntries,
  ProbeLoadError,
  sideSize,
  skEventHead,
  sockTuple,
  tcpStateName,
  type MapDump,
  type SkEventHead,
  type SockTuple,
} from '@sonde/probe-sdk';
import { maps, tcpdrop_event, tcpdrop_flow_key, tcpdrop_flow_val, tcpdrop_stack_key } from './layout.gen.js';

/** TCPDROP_MAX_FLOWS: beyond it new flows are only counted in flows_missed */
export const MAX_FLOWS = maps.flows.maxEntries;

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'] as const;

/** TCP header flags as bcc's tcp.flags2str prints them: `SYN|ACK`; '' for none */
export function tcpFlags(flags: number): string {
  return FLAG_NAMES.filter((_, i) => flags & (1 << i)).join('|');
}

export function decodeReasonCounts(dump: MapDump): Array<{ value: number; count: number }> {
  const { key: k, value: v } = maps.reasons;
  checkMapSizes('tcpdrop', 'reasons', dump, sideSize(k), sideSize(v));
  return Array.from(mapEntries(dump), ({ key, value }) => ({ value: decodeScalar(k, key), count: decodeScalar(v, value) }));
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
  checkMapSizes('tcpdrop', 'flows', dump, tcpdrop_flow_key.size, tcpdrop_flow_val.size);
  return Array.from(mapEntries(dump), ({ key, value }) => {
    const k = tcpdrop_flow_key.decode(key);
    const v = tcpdrop_flow_val.decode(value);
    return { ...sockTuple(k.t), reason: k.reason, cgroup: k.cgroup.toString(), count: v.count, state: v.state, flags: v.flags };
  });
}

export function decodeStackCounts(dump: MapDump): Array<{ stackId: number; reason: number; count: number }> {
  const count = maps.stack_counts.value;
  checkMapSizes('tcpdrop', 'stack_counts', dump, tcpdrop_stack_key.size, sideSize(count));
  return Array.from(mapEntries(dump), ({ key, value }) => {
    const k = tcpdrop_stack_key.decode(key);
    return { stackId: k.stack_id, reason: k.reason, count: decodeScalar(count, value) };
  });
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
  if (b.length < tcpdrop_event.size) throw new ProbeLoadError(`tcpdrop: event of ${b.length} bytes, expected ${tcpdrop_event.size}`, 'read');
  const e = tcpdrop_event.decode(b);
  return {
    ...skEventHead(e.h),
    location: e.location,
    reason: e.reason,
    stackId: e.stack_id,
    state: e.state,
    flags: e.flags,
    hasSocket: e.has_sk === 1,
  };
}

/** state name for a report: '-' when the drop had no socket */
export function stateName(state: number): string {
  return state === 0 ? '-' : tcpStateName(state);
}
