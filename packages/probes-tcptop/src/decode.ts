/**
 * Decoding of the `flows` map of bpf/tcptop.bpf.c (layouts in bpf/tcptop.h):
 *
 *   struct tcptop_key { struct sock_tuple t; __u32 pid; __u32 pad; char comm[16]; __u64 cgroup; }   72 bytes
 *   struct tcptop_val { __u64 sent, received, sends, recvs; }                          32 bytes
 */
import {
  checkMapSizes,
  cString,
  decodeSockTuple,
  deltaRows,
  mapEntries,
  readU32,
  readU64,
  readU64Num,
  type MapDump,
  type Owner,
  type SockTuple,
} from '@sonde/probe-sdk';

export const KEY_SIZE = 72;
export const VALUE_SIZE = 32;
/** TCPTOP_MAX_FLOWS */
export const MAX_FLOWS = 16384;

/** one table row: a process on one connection and its bytes */
export interface TopRow extends SockTuple {
  pid: number;
  comm: string;
  /** the socket's cgroup v2 id (its owner; not the task's cgroup) */
  cgroup: string;
  /** who owns the socket (attached by the control plane from `cgroup`) */
  owner?: Owner;
  /** bytes received (copied to the process) */
  rxBytes: number;
  /** bytes sent (accepted by TCP) */
  txBytes: number;
  /** successful receive / send calls */
  recvs: number;
  sends: number;
}

/** the cumulative rows of a snapshot, by map key */
export function decodeFlows(dump: MapDump): Map<string, TopRow> {
  checkMapSizes('tcptop', 'flows', dump, KEY_SIZE, VALUE_SIZE);
  const out = new Map<string, TopRow>();
  for (const { key: k, value: v } of mapEntries(dump)) {
    out.set(k.toString('hex'), {
      pid: readU32(k, 40),
      comm: cString(k.subarray(48, 64)),
      cgroup: readU64(k, 64).toString(),
      ...decodeSockTuple(k, 0),
      rxBytes: readU64Num(v, 8),
      txBytes: readU64Num(v, 0),
      recvs: readU64Num(v, 24),
      sends: readU64Num(v, 16),
    });
  }
  return out;
}

/** what each row added since `before` (all of it when before is undefined); idle rows dropped */
export function deltaFlows(now: ReadonlyMap<string, TopRow>, before: ReadonlyMap<string, TopRow> | undefined): TopRow[] {
  return deltaRows(now, before, ['rxBytes', 'txBytes', 'recvs', 'sends']);
}

export type SortKey = 'all' | 'sent' | 'received';

/** largest first by the sort key; ties by pid, then endpoints, so tables are stable */
export function sortRows(rows: TopRow[], by: SortKey): TopRow[] {
  const key = (r: TopRow) => (by === 'sent' ? r.txBytes : by === 'received' ? r.rxBytes : r.txBytes + r.rxBytes);
  return [...rows].sort(
    (a, b) =>
      key(b) - key(a) ||
      a.pid - b.pid ||
      a.laddr.localeCompare(b.laddr) ||
      a.lport - b.lport ||
      a.raddr.localeCompare(b.raddr) ||
      a.rport - b.rport,
  );
}
