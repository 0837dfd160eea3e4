/**
 * The owner filters every socket probe honours — container, pod, podSelector, cgroup — as zod
 * building blocks. They select sockets by the cgroup the socket was made in (bpf/include/owner_filter.h),
 * so they hold in softirq context too. Syntax is checked here; the control plane turns them into the
 * set of cgroup ids the kernel filters on (owner/filter.ts ownerCgroupIds, with this node's cgroup tree
 * and pod cache), answers 400 naming the field when a filter is malformed or matches nothing, fills the
 * kernel's id map before attach and refreshes it while the job runs (core-loader runner.ts).
 */
import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import type { ProbeContext } from './kernel.js';
import type { OwnerGroup } from './owner/attach.js';
import type { Owner } from './owner/resolver.js';
import { parseLabelSelector } from './owner/label-selector.js';
import { cgroup2Root } from './owner/mount.js';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** a cgroup v2 path, absolute under the v2 mount or relative to it; the directory must exist */
export const cgroup = z
  .string()
  .min(1)
  .max(4096)
  .superRefine((p, ctx) => {
    if (cgroupId(p) === null) ctx.addIssue({ code: 'custom', message: `no cgroup v2 directory at ${cgroupPath(p)}` });
  })
  .describe("only sockets made in this cgroup v2 or below it (path under the v2 mount, e.g. system.slice/nginx.service, or /kubepods.slice/... as /proc/<pid>/cgroup writes it); the socket's cgroup, not the task's");

/**
 * The directory of a cgroup v2 path: absolute under the v2 mount as given, anything else (system.slice/x,
 * or /system.slice/x as /proc/<pid>/cgroup writes it) below the mount — /sys/fs/cgroup, or
 * /sys/fs/cgroup/unified on hybrid hosts, whose /sys/fs/cgroup is a tmpfs of v1 hierarchies.
 */
export function cgroupPath(p: string): string {
  let root: string;
  try {
    root = cgroup2Root();
  } catch {
    root = CGROUP_ROOT;
  }
  return isAbsolute(p) && (p === root || p.startsWith(`${root}/`)) ? p : join(root, p);
}

export function cgroupId(p: string): bigint | null {
  try {
    const st = statSync(cgroupPath(p), { bigint: true });
    return st.isDirectory() ? st.ino : null;
  } catch {
    return null;
  }
}

const POD = /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const container = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .describe("only sockets of this container: a container id or its first 4+ hex digits, or a container name from the pod specs (every pod on the node with a container of that name)");

export const pod = z
  .string()
  .trim()
  .regex(POD, 'pod is "namespace/name" or a pod UID')
  .describe('only sockets of this pod: "namespace/name" (the pod cache) or its UID (the cgroup names alone)');

export const podSelector = z
  .union([z.string().min(1).max(1024), z.record(z.string().max(317), z.string().max(63))])
  .superRefine((v, ctx) => {
    if (typeof v !== 'string') return;
    try {
      parseLabelSelector(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  })
  .describe('only sockets of the pods whose labels match: a Kubernetes label selector ("app=web,tier in (a,b),!legacy") or a {label: value} map');

export const ownerFilterShape = {
  container: container.optional(),
  pod: pod.optional(),
  podSelector: podSelector.optional(),
  cgroup: cgroup.optional(),
};

export interface OwnerFilterParams {
  container?: string | undefined;
  pod?: string | undefined;
  podSelector?: string | Record<string, string> | undefined;
  cgroup?: string | undefined;
}

/** the owner filter of a job's params (the four keys, when set), or null when none is set */
export function ownerFilterOf(params: unknown): OwnerFilterParams | null {
  if (params === null || typeof params !== 'object') return null;
  const p = params as Record<string, unknown>;
  const f: OwnerFilterParams = {};
  if (typeof p.container === 'string') f.container = p.container;
  if (typeof p.pod === 'string') f.pod = p.pod;
  if (typeof p.podSelector === 'string' || (typeof p.podSelector === 'object' && p.podSelector !== null)) f.podSelector = p.podSelector as OwnerFilterParams['podSelector'];
  if (typeof p.cgroup === 'string') f.cgroup = p.cgroup;
  return Object.keys(f).length > 0 ? f : null;
}

/** `by` values that group a probe's keys by owner (the probes whose params offer `by: ownerBy`) */
export const OWNER_BY = ['pod', 'container'] as const;
export type OwnerBy = (typeof OWNER_BY)[number];

export const ownerBy = z
  .enum(['none', ...OWNER_BY])
  .default('none')
  .describe('one row (key) per pod ("namespace/name") or per container ("namespace/pod/container"), each carrying its `owner`; sockets outside any pod or container group under their cgroup path');

export function isOwnerBy(by: unknown): by is OwnerBy {
  return by === 'pod' || by === 'container';
}

/**
 * The owner groups of cgroup ids for `by: "pod" | "container"` (ProbeContext.ownerGroups); where the
 * context cannot resolve owners, each cgroup is its own group, keyed by its id.
 */
export async function ownerGroupsOf(ctx: ProbeContext, ids: Iterable<string>, by: OwnerBy): Promise<Map<string, OwnerGroup>> {
  const list = [...new Set(ids)];
  if (list.length === 0) return new Map();
  if (ctx.ownerGroups) return ctx.ownerGroups(list, by);
  return new Map(list.map((id) => [id, { key: id, cgroup: id }]));
}

/**
 * The owner groups of the cgroups an interval probe meets, learned as snapshots bring new ones (each id
 * asked once): `groups` is undefined without `by`, and `learn` is then a no-op.
 */
export function ownerGroupCache(ctx: ProbeContext, by: unknown): { groups: Map<string, OwnerGroup> | undefined; learn(ids: Iterable<string>): Promise<void> } {
  if (!isOwnerBy(by)) return { groups: undefined, learn: async () => {} };
  const groups = new Map<string, OwnerGroup>();
  return {
    groups,
    async learn(ids) {
      const fresh = [...ids].filter((id) => !groups.has(id));
      for (const [id, g] of await ownerGroupsOf(ctx, fresh, by)) groups.set(id, g);
    },
  };
}

/**
 * Rows keyed by cgroup, merged per owner group: rows whose groups are equal (and whose `identity`
 * agrees, e.g. a drop reason) become one, carrying the group's cgroup (whose owner the control plane
 * attaches) and its key. `merge` folds a row into the group's accumulated one.
 */
export function groupRows<R extends { cgroup: string }>(
  rows: Iterable<R>,
  groups: ReadonlyMap<string, OwnerGroup>,
  merge: (into: R, row: R) => void,
  identity: (row: R) => string = () => '',
): Array<R & { ownerKey: string }> {
  const out = new Map<string, R & { ownerKey: string }>();
  for (const row of rows) {
    const g = groups.get(row.cgroup) ?? { key: row.cgroup, cgroup: row.cgroup };
    const id = `${g.key}\u0000${identity(row)}`;
    const acc = out.get(id);
    if (acc) merge(acc, row);
    else out.set(id, { ...row, cgroup: g.cgroup, ownerKey: g.key });
  }
  return [...out.values()];
}

/** a row per owner: its key, the cgroup standing for it, its `owner` (attached by the control plane) and sums */
export type OwnerTotals<F extends string> = { key: string; cgroup: string; owner?: Owner } & { [K in F]: number };

/**
 * Rows summed per owner group (by pod or container): the numeric `fields` add up and `count` counts
 * the rows that went in (connections, flows). Largest `fields[0]` first.
 */
export function sumByOwner<F extends string, C extends string>(
  rows: ReadonlyArray<{ cgroup: string } & { [K in F]?: number }>,
  groups: ReadonlyMap<string, OwnerGroup>,
  fields: readonly F[],
  count: C,
): Array<OwnerTotals<F | C>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const g = groups.get(row.cgroup) ?? { key: row.cgroup, cgroup: row.cgroup };
    let acc = out.get(g.key);
    if (!acc) {
      acc = { key: g.key, cgroup: g.cgroup, [count]: 0 };
      for (const f of fields) acc[f] = 0;
      out.set(g.key, acc);
    }
    (acc[count] as number)++;
    for (const f of fields) (acc[f] as number) += row[f] ?? 0;
  }
  const first = fields[0];
  return [...out.values()].sort((a, b) => (first ? (b[first] as number) - (a[first] as number) : 0) || String(a.key).localeCompare(String(b.key))) as Array<OwnerTotals<F | C>>;
}
