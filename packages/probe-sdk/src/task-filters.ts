/**
 * The task filters every event probe may honour — pid, uid, comm, netns — as zod building blocks
 * and their encoders into bpf/include/task.h's globals, plus the owner filters (container, pod,
 * podSelector, cgroup: owner-filters.ts), which select by the socket's cgroup. Pids are resolved to
 * the kernel's ids (netns = inode of /proc/<pid>/ns/net) when params are validated, so a bad one is
 * a 400, not a failed job.
 */
import { statSync } from 'node:fs';
import { z } from 'zod';
import type { GlobalValue } from './kernel.js';
import { ownerFilterShape, type OwnerFilterParams } from './owner-filters.js';

export { cgroup, cgroupId, cgroupPath } from './owner-filters.js';
export const COMM_LEN = 16;

export const pid = z.number().int().min(1).max(4_194_304).describe('only this process (tgid)');
export const uid = z.number().int().min(0).max(4_294_967_294).describe('only this user id');
export const comm = z
  .string()
  .min(1)
  .max(COMM_LEN - 1, `comm is at most ${COMM_LEN - 1} characters (the kernel's task name length)`)
  .describe('only tasks with exactly this name (as in /proc/<pid>/comm)');

/** a network namespace: its inode number, or `pid:<n>` for the namespace process n lives in */
export const netns = z
  .union([z.number().int().min(1).max(4_294_967_295), z.string().regex(/^pid:\d+$/, 'netns is an inode number or pid:<n>')])
  .superRefine((v, ctx) => {
    if (typeof v === 'string' && netnsInode(v) === null) {
      ctx.addIssue({ code: 'custom', message: `no process ${v.slice(4)} (or its network namespace is not readable)` });
    }
  })
  .describe('only sockets in this network namespace: inode number (ls -Li /proc/<pid>/ns/net) or "pid:<n>"');

export function netnsInode(v: number | string): number | null {
  if (typeof v === 'number') return v;
  try {
    return Number(statSync(`/proc/${v.slice(4)}/ns/net`).ino);
  } catch {
    return null;
  }
}

/** All task and owner filters, optional; a probe spreads the ones it honours into its params object. */
export const taskFilterShape = { pid: pid.optional(), uid: uid.optional(), comm: comm.optional(), ...ownerFilterShape, netns: netns.optional() };

export interface TaskFilterParams extends OwnerFilterParams {
  pid?: number | undefined;
  uid?: number | undefined;
  comm?: string | undefined;
  netns?: number | string | undefined;
}

/**
 * Globals of bpf/include/task.h for the filters that are set (the rest stay zero = off). The owner
 * filters have no global here: the loader fills owner_filter.h's map with the ids the control plane
 * computed (ownerCgroupIds) and sets its switch.
 */
export function taskFilterGlobals(p: TaskFilterParams): Record<string, GlobalValue> {
  const g: Record<string, GlobalValue> = {};
  if (p.pid !== undefined) g.targ_pid = p.pid;
  if (p.uid !== undefined) {
    g.targ_uid_on = 1;
    g.targ_uid = p.uid;
  }
  if (p.comm !== undefined) {
    const bytes = new Uint8Array(COMM_LEN);
    bytes.set(Buffer.from(p.comm, 'utf8').subarray(0, COMM_LEN - 1));
    g.targ_comm = bytes;
  }
  if (p.netns !== undefined) {
    const ino = netnsInode(p.netns);
    if (ino === null) throw new Error(`network namespace ${p.netns} disappeared`);
    g.targ_netns = ino;
  }
  return g;
}

/** The common filters a probe may be asked for; a probe lists the ones it cannot honour and why. */
export const COMMON_FILTERS = ['pid', 'uid', 'comm', 'family', 'lport', 'rport', 'laddr', 'raddr', 'netns', 'cgroup', 'container', 'pod', 'podSelector'] as const;
export type CommonFilter = (typeof COMMON_FILTERS)[number];
