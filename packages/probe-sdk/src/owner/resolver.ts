/**
 * cgroup id → owner: the cgroup's path and what its name says (hierarchy.ts, naming.ts), plus the
 * pod's namespace, name, container name and labels when a pod cache is given (pods.ts). Owners are
 * cached per cgroup id and rebuilt only when the cgroup entry or the pod cache's generation changed,
 * so a hit is two Map lookups and no allocation.
 */
import { CgroupHierarchy, type CgroupEntry, type CgroupHierarchyOptions } from './hierarchy.js';
import type { CgroupNaming, OwnerRuntime } from './naming.js';
import type { PodCache } from './pods.js';

/** The `owner` object of events, report rows and histogram keys. */
export interface Owner extends CgroupNaming {
  /** cgroup v2 id, decimal (as events carry it) */
  cgroupId: string;
  cgroupPath: string;
  namespace?: string;
  pod?: string;
  /** the container's name in the pod spec */
  container?: string;
  labels?: Readonly<Record<string, string>>;
}

export interface OwnerResolverOptions {
  hierarchy?: CgroupHierarchy;
  hierarchyOptions?: CgroupHierarchyOptions;
  pods?: PodCache | undefined;
}

const RUNTIMES: Record<string, OwnerRuntime> = { containerd: 'containerd', 'cri-o': 'cri-o', docker: 'docker' };

export class OwnerResolver {
  readonly hierarchy: CgroupHierarchy;
  readonly pods: PodCache | undefined;
  private readonly cache = new Map<string, { entry: CgroupEntry; gen: number; owner: Owner }>();

  constructor(opts: OwnerResolverOptions = {}) {
    this.hierarchy = opts.hierarchy ?? new CgroupHierarchy(opts.hierarchyOptions);
    this.pods = opts.pods;
  }

  /** The owner of a cgroup id; null for 0 (no cgroup recorded) and ids no walk has found. A miss may walk synchronously. */
  resolve(cgroupId: bigint | number | string): Owner | null {
    const k = typeof cgroupId === 'string' ? cgroupId : cgroupId.toString();
    if (k === '0') return null;
    const entry = this.hierarchy.byId(k);
    return entry ? this.ownerOf(k, entry) : null;
  }

  /** resolve(), but a miss waits for a walk in slices that leave the event loop free (hierarchy.refreshAsync). */
  async resolveAsync(cgroupId: bigint | number | string): Promise<Owner | null> {
    const k = typeof cgroupId === 'string' ? cgroupId : cgroupId.toString();
    if (k === '0') return null;
    const entry = await this.hierarchy.byIdAsync(k);
    return entry ? this.ownerOf(k, entry) : null;
  }

  private ownerOf(k: string, entry: CgroupEntry): Owner {
    const gen = this.pods?.generation ?? 0;
    const c = this.cache.get(k);
    if (c && c.entry === entry && c.gen === gen) return c.owner;
    const owner = this.build(entry);
    if (this.cache.size >= 2 * (this.hierarchy.size + 64)) this.cache.clear();
    this.cache.set(k, { entry, gen, owner });
    return owner;
  }

  private build(e: CgroupEntry): Owner {
    const n = e.naming;
    const owner: Owner = { cgroupId: e.id, cgroupPath: e.path, ...n };
    if (this.pods && (n.podUid || n.containerId)) {
      const m = this.pods.lookup(n.podUid, n.containerId);
      if (m) {
        owner.podUid ??= m.podUid;
        owner.namespace = m.namespace;
        owner.pod = m.pod;
        if (m.container !== undefined) owner.container = m.container;
        owner.labels = m.labels;
        if (owner.runtime === 'container' && m.containerRuntime && RUNTIMES[m.containerRuntime]) owner.runtime = RUNTIMES[m.containerRuntime]!;
      }
    }
    return Object.freeze(owner);
  }
}

/** Short, human name of an owner: shop/web-0/web, pod:<uid>, docker:0123456789ab, nginx.service, /a/b */
export function ownerLabel(o: Owner): string {
  if (o.namespace && o.pod) return o.container ? `${o.namespace}/${o.pod}/${o.container}` : `${o.namespace}/${o.pod}`;
  if (o.podUid) return o.containerId ? `pod:${o.podUid}/${o.containerId.slice(0, 12)}` : `pod:${o.podUid}`;
  if (o.containerId) return `${o.runtime}:${o.containerId.slice(0, 12)}`;
  if (o.unit) return o.unit;
  return o.cgroupPath;
}

export type OwnerGrouping = 'pod' | 'container' | 'cgroup';

/**
 * The group key of an owner for `by: "pod" | "container" | "cgroup"`: namespace/name (or the pod
 * UID before the pod cache knows it), namespace/pod/container (or the container id), the cgroup
 * path. Owners outside any pod or container group under their cgroup path.
 */
export function ownerKey(o: Owner | null, by: OwnerGrouping): string {
  if (!o) return '?';
  if (by === 'pod') {
    if (o.namespace && o.pod) return `${o.namespace}/${o.pod}`;
    if (o.podUid) return `pod:${o.podUid}`;
  }
  if (by === 'container') {
    if (o.namespace && o.pod && o.container) return `${o.namespace}/${o.pod}/${o.container}`;
    if (o.containerId) return `${o.runtime}:${o.containerId.slice(0, 12)}`;
  }
  return o.cgroupPath;
}
