/**
 * Owners on results: what the control plane's thread does with the cgroup ids probes report.
 *
 *   attachOwners(value, resolver)   every object in `value` with a decimal `cgroup` field (events,
 *                                   report rows, histogram keys) gets `owner`: one resolveAsync per
 *                                   distinct id, then a Map lookup per object. Ids that resolve to
 *                                   nothing (0: no socket cgroup; a cgroup gone before any walk saw
 *                                   it) leave the object without `owner`.
 *   ownerGroups(ids, by, resolver)  for `by: "pod" | "container"`: per cgroup id, the group it
 *                                   belongs to — its ownerKey and the cgroup that stands for the
 *                                   group (the pod's own cgroup; the container's outermost cgroup),
 *                                   whose owner the grouped row carries.
 */
import type { CgroupEntry } from './hierarchy.js';
import { ownerKey, type Owner, type OwnerResolver } from './resolver.js';

/** how deep attachOwners looks for `cgroup` fields (data → series → entry → rows → row) */
const MAX_DEPTH = 8;
const DECIMAL = /^[0-9]{1,20}$/;

type Obj = Record<string, unknown>;

function collect(v: unknown, depth: number, out: Obj[]): void {
  if (depth > MAX_DEPTH || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const x of v) if (x !== null && typeof x === 'object') collect(x, depth + 1, out);
    return;
  }
  const o = v as Obj;
  if (typeof o.cgroup === 'string' && DECIMAL.test(o.cgroup)) out.push(o);
  for (const k in o) {
    if (k === 'owner') continue;
    const x = o[k];
    if (x !== null && typeof x === 'object') collect(x, depth + 1, out);
  }
}

/**
 * Set `owner` on every object under `value` that carries a `cgroup` id, in place. Returns how many
 * distinct ids were resolved. Never throws for ids it cannot resolve.
 */
export async function attachOwners(value: unknown, resolver: Pick<OwnerResolver, 'resolveAsync'>): Promise<number> {
  const holders: Obj[] = [];
  collect(value, 0, holders);
  if (holders.length === 0) return 0;
  const ids = new Set<string>();
  for (const h of holders) ids.add(h.cgroup as string);
  const owners = new Map<string, Owner | null>();
  await Promise.all(
    [...ids].map(async (id) => {
      try {
        owners.set(id, await resolver.resolveAsync(id));
      } catch {
        owners.set(id, null);
      }
    }),
  );
  for (const h of holders) {
    const o = owners.get(h.cgroup as string);
    if (o) h.owner = o;
  }
  return ids.size;
}

export interface OwnerGroup {
  /** ownerKey of the group: "shop/web-0", "shop/web-0/web", a runtime:id, or a cgroup path */
  key: string;
  /** the cgroup that stands for the group: its owner names the pod (or container) alone */
  cgroup: string;
}

/** the outermost ancestor-or-self of `e` that `same` still holds for */
function outermost(resolver: OwnerResolver, e: CgroupEntry, same: (x: CgroupEntry) => boolean): CgroupEntry {
  let best = e;
  for (let p = e.path; p.length > 1; ) {
    p = p.slice(0, p.lastIndexOf('/')) || '/';
    const up = resolver.hierarchy.byPath(p);
    if (!up || !same(up)) break;
    best = up;
  }
  return best;
}

/**
 * The group of each cgroup id when keys are grouped by pod or by container. A pod's containers (and
 * the pod's own cgroup) go to the pod's cgroup; a container's sub-cgroups to the container's; a
 * cgroup of no pod or container is its own group. Unresolvable ids are their own group, keyed "?"
 * plus the id; 0 (no socket, a time-wait socket) is keyed "(no socket cgroup)".
 */
export async function ownerGroups(ids: Iterable<string>, by: 'pod' | 'container', resolver: OwnerResolver): Promise<Map<string, OwnerGroup>> {
  const out = new Map<string, OwnerGroup>();
  for (const id of new Set(ids)) {
    const owner = id === '0' ? null : await resolver.resolveAsync(id);
    const entry = owner ? resolver.hierarchy.byId(id) : undefined;
    if (!owner || !entry) {
      out.set(id, { key: id === '0' ? '(no socket cgroup)' : `?${id}`, cgroup: id });
      continue;
    }
    let rep = entry;
    if (by === 'pod' && owner.podUid) rep = outermost(resolver, entry, (x) => x.naming.podUid === owner.podUid);
    else if (owner.containerId) rep = outermost(resolver, entry, (x) => x.naming.containerId === owner.containerId);
    const repOwner = rep === entry ? owner : await resolver.resolveAsync(rep.id);
    out.set(id, { key: ownerKey(repOwner ?? owner, by), cgroup: rep.id });
  }
  return out;
}
