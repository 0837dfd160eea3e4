/**
 * Owner filters → the set of cgroup ids the kernel side keeps (a hash map of ids: the socket's
 * cgroup id must be in it). Each criterion picks cgroups, takes each with every descendant (a pod's
 * own cgroup holds its containers; a container may make sub-cgroups), and the criteria given are
 * ANDed like every other filter:
 *
 *   container    a container id prefix (4+ hex digits, from the cgroup names) or a container name
 *                from the pod specs (every pod on this node with a container of that name)
 *   pod          namespace/name (pod cache) or a pod UID (the cgroup names alone)
 *   podSelector  a label selector over this node's pods (pod cache)
 *   cgroup       a cgroup v2 path: /kubepods.slice/... as /proc/<pid>/cgroup writes it, relative
 *                to the v2 mount, or absolute under it
 *
 * The set is taken when a job starts and recomputed while it runs (core-loader owners.ts: when the
 * pod cache changes, and after a walk of the tree every few seconds), so a container that starts
 * later joins it; the kernel holds it in bpf/include/owner_filter.h's map.
 */
import type { CgroupEntry, CgroupHierarchy } from './hierarchy.js';
import { normalizeCgroupPath } from './hierarchy.js';
import { LabelSelectorError } from './label-selector.js';
import type { PodCache } from './pods.js';

/** entries of the kernel's id set (bpf/include/owner_filter.h: a BPF hash map of cgroup ids) */
export const OWNER_FILTER_MAX_IDS = 1024;

export interface OwnerFilter {
  container?: string | undefined;
  pod?: string | undefined;
  podSelector?: string | Record<string, string> | undefined;
  cgroup?: string | undefined;
}

export interface OwnerFilterResult {
  /** cgroup ids, ascending */
  ids: bigint[];
  /** the cgroups they are */
  cgroups: CgroupEntry[];
  /** per criterion that matched nothing on this node, why (ids is then empty) */
  unmatched: string[];
}

/** A filter that cannot be computed: bad syntax, no pod cache for a name, too many ids. */
export class OwnerFilterError extends Error {
  constructor(
    readonly field: keyof OwnerFilter,
    why: string,
  ) {
    super(`${field}: ${why}`);
    this.name = 'OwnerFilterError';
  }
}

const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ID_PREFIX = /^[0-9a-f]{4,64}$/;

export function hasOwnerFilter(f: OwnerFilter): boolean {
  return f.container !== undefined || f.pod !== undefined || f.podSelector !== undefined || f.cgroup !== undefined;
}

/** A cgroup path as given (absolute under the mount, /proc-style, relative) → "/a/b" below the root. */
export function cgroupPathBelow(root: string, p: string): string {
  const r = root.replace(/\/+$/, '');
  if (r && (p === r || p.startsWith(`${r}/`))) return normalizeCgroupPath(p.slice(r.length));
  return normalizeCgroupPath(p);
}

function needPods(pods: PodCache | undefined, field: keyof OwnerFilter, what: string): PodCache {
  if (!pods) throw new OwnerFilterError(field, `${what} needs the Kubernetes pod cache (the agent's NODE_NAME and API access); without it give a pod UID or a cgroup path`);
  if (!pods.synced) throw new OwnerFilterError(field, `${what}: the pod cache has not listed this node's pods yet`);
  return pods;
}

/**
 * The cgroup ids an owner filter selects, from a fresh walk of the hierarchy (refresh: false uses
 * the cache as is) and the pod cache. Throws OwnerFilterError; an empty `ids` comes with `unmatched`.
 */
export function ownerCgroupIds(f: OwnerFilter, hierarchy: CgroupHierarchy, pods?: PodCache, opts: { refresh?: boolean; maxIds?: number } = {}): OwnerFilterResult {
  if (opts.refresh !== false) hierarchy.refresh();
  const all = hierarchy.entries();
  const picks: Array<Set<CgroupEntry>> = [];
  const unmatched: string[] = [];
  // every cgroup whose path or an ancestor's is a root's: O(cgroups × depth)
  const withSubtrees = (roots: CgroupEntry[]): Set<CgroupEntry> => {
    const rootPaths = new Set(roots.map((r) => r.path));
    const out = new Set<CgroupEntry>();
    if (rootPaths.has('/')) return new Set(all);
    if (rootPaths.size === 0) return out;
    for (const e of all) {
      for (let p = e.path; p.length > 1; p = p.slice(0, p.lastIndexOf('/')) || '/') {
        if (rootPaths.has(p)) {
          out.add(e);
          break;
        }
      }
    }
    return out;
  };
  const byPods = (podUids: Set<string>) => all.filter((e) => e.naming.podUid !== undefined && podUids.has(e.naming.podUid));

  if (f.container !== undefined) {
    const c = f.container.trim();
    if (!c) throw new OwnerFilterError('container', 'empty');
    const roots = new Set<CgroupEntry>();
    const hex = c.toLowerCase();
    if (ID_PREFIX.test(hex)) for (const e of all) if (e.naming.containerId?.startsWith(hex)) roots.add(e);
    if (pods?.synced) {
      const ids = pods.select({ container: c }).containerIds;
      for (const e of all) if (e.naming.containerId && ids.has(e.naming.containerId)) roots.add(e);
    } else if (!ID_PREFIX.test(hex)) needPods(pods, 'container', `container name "${c}"`);
    if (roots.size === 0) unmatched.push(`container ${c}: no container with that id prefix${pods ? ' or name' : ''} on this node`);
    picks.push(withSubtrees([...roots]));
  }

  if (f.pod !== undefined) {
    const p = f.pod.trim();
    let uids: Set<string>;
    if (UID.test(p)) uids = new Set([p]);
    else {
      const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(p);
      if (!m) throw new OwnerFilterError('pod', `"${p}" is neither namespace/name nor a pod UID`);
      uids = needPods(pods, 'pod', `pod ${p}`).select({ namespace: m[1], name: m[3] }).podUids;
      if (uids.size === 0) unmatched.push(`pod ${p}: no such pod on this node`);
    }
    const roots = byPods(uids);
    if (roots.length === 0 && uids.size > 0) unmatched.push(`pod ${p}: no cgroup of that pod on this node`);
    picks.push(withSubtrees(roots));
  }

  if (f.podSelector !== undefined) {
    const what = `podSelector ${typeof f.podSelector === 'string' ? f.podSelector : JSON.stringify(f.podSelector)}`;
    let uids: Set<string>;
    try {
      uids = needPods(pods, 'podSelector', what).select({ labelSelector: f.podSelector }).podUids;
    } catch (err) {
      if (err instanceof LabelSelectorError) throw new OwnerFilterError('podSelector', err.message);
      throw err;
    }
    const roots = byPods(uids);
    if (roots.length === 0) unmatched.push(`${what}: ${uids.size === 0 ? 'no pod on this node matches' : 'no cgroup of the matching pods on this node'}`);
    picks.push(withSubtrees(roots));
  }

  if (f.cgroup !== undefined) {
    let path: string;
    try {
      path = cgroupPathBelow(hierarchy.root, f.cgroup);
    } catch (err) {
      throw new OwnerFilterError('cgroup', (err as Error).message);
    }
    const e = hierarchy.byPath(path);
    if (e && !all.includes(e)) all.push(e);
    if (!e) unmatched.push(`cgroup ${f.cgroup}: no cgroup v2 directory ${hierarchy.dirOf(path)}`);
    picks.push(withSubtrees(e ? [e] : []));
  }

  if (picks.length === 0) return { ids: [], cgroups: [], unmatched };
  const [first, ...rest] = picks;
  const cgroups = [...first!].filter((e) => rest.every((s) => s.has(e)));
  if (cgroups.length === 0 && unmatched.length === 0) unmatched.push('the criteria match no cgroup together');
  const max = opts.maxIds ?? OWNER_FILTER_MAX_IDS;
  if (cgroups.length > max) throw new OwnerFilterError(Object.keys(f).find((k) => f[k as keyof OwnerFilter] !== undefined) as keyof OwnerFilter, `selects ${cgroups.length} cgroups, the kernel filter holds ${max}`);
  cgroups.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  return { ids: cgroups.map((e) => BigInt(e.id)), cgroups, unmatched };
}
