/**
 * What the `flows` map of bpf/tcptop.bpf.c means (`struct tcptop_key` -> `struct tcptop_val`,
 * bpf/tcptop.h). Layouts: layout.gen.ts.
 */
import { checkMapSizes, deltaRows, mapEntries, sockTuple, type MapDump, type Owner, type SockTuple } from '@sonde/probe-sdk';
import { maps, tcptop_key, tcptop_val } from './layout.gen.js';

/** TCPTOP_MAX_FLOWS */
export const MAX_FLOWS = maps.flows.maxEntries;

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
  checkMapSizes('tcptop', 'flows', dump, tcptop_key.size, tcptop_val.size);
  const out = new Map<string, TopRow>();
  for (const { key, value } of mapEntries(dump)) {
    const k = tcptop_key.decode(key);
    const v = tcptop_val.decode(value);
    out.set(key.toString('hex'), {
      pid: k.pid,
      comm: k.comm,
      cgroup: k.cgroup.toString(),
      ...sockTuple(k.t),
      rxBytes: v.received,
      txBytes: v.sent,
      recvs: v.recvs,
      sends: v.sends,
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
