/**
 * The pods of one node, kept current from the Kubernetes API (list + watch, 410 resync, backoff:
 * ../k8s-informer.ts), with `fieldSelector=spec.nodeName=<node>` so an agent holds its own node's
 * pods only (RBAC: get/list/watch on pods).
 *
 * Indexed by pod UID and by container id (status.{,init,ephemeral}containerStatuses[].containerID,
 * `containerd://<id>` → <id>): lookup() answers from memory. Deleted pods stay findable by lookup()
 * for keepDeletedMs (late events of their sockets), never by select().
 */
import { canonicalIp } from '../address.js';
import { K8sInformer, type K8sChangeType, type InformerOptions, type InformerStats } from '../k8s-informer.js';
import { matchesLabels, parseLabelSelector } from './label-selector.js';

export interface PodContainer {
  name: string;
  /** the runtime's id without its scheme */
  id: string;
  /** the containerID scheme: containerd, cri-o, docker */
  runtime: string;
  kind: 'container' | 'init' | 'ephemeral';
}

export interface PodInfo {
  uid: string;
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
  nodeName?: string | undefined;
  phase?: string | undefined;
  containers: PodContainer[];
  /** status.podIPs (status.podIP before dual-stack); empty for host-network pods, whose IP is the node's */
  ips?: string[];
  /** status.hostIPs (status.hostIP before dual-stack): the addresses of the node it runs on */
  hostIps?: string[];
  /** when a DELETED event (or a relist without it) removed it */
  deletedAt?: number;
}

/** What the pod cache adds to an owner. */
export interface PodMeta {
  podUid: string;
  namespace: string;
  pod: string;
  /** the container's name in the pod spec (absent for the pod's own cgroup) */
  container?: string;
  /** the container's runtime from its containerID scheme (containerd, cri-o, docker) */
  containerRuntime?: string;
  labels: Readonly<Record<string, string>>;
}

export interface PodSelection {
  pods: PodInfo[];
  podUids: Set<string>;
  containerIds: Set<string>;
}

export interface PodQuery {
  namespace?: string | undefined;
  /** pod name (needs namespace... or matches that name in every namespace) */
  name?: string | undefined;
  labelSelector?: string | Record<string, string> | undefined;
  /** only containers with this name (containerIds; podUids still lists their pods) */
  container?: string | undefined;
}

export interface PodCacheOptions extends InformerOptions {
  /** the node whose pods to hold (the agent's NODE_NAME); undefined: every pod the token may list */
  nodeName?: string | undefined;
  keepDeletedMs?: number;
}

export type PodCacheStats = InformerStats;

interface RawPod {
  metadata?: { uid?: string; name?: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
  spec?: { nodeName?: string; hostNetwork?: boolean };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: Array<{ ip?: string }>;
    hostIP?: string;
    hostIPs?: Array<{ ip?: string }>;
    containerStatuses?: Array<{ name: string; containerID?: string }>;
    initContainerStatuses?: Array<{ name: string; containerID?: string }>;
    ephemeralContainerStatuses?: Array<{ name: string; containerID?: string }>;
  };
}

/** `containerd://abc` → { runtime: 'containerd', id: 'abc' } */
export function splitContainerId(s: string): { runtime: string; id: string } | null {
  const m = /^([a-z0-9.-]+):\/\/(.+)$/.exec(s);
  return m ? { runtime: m[1]!, id: m[2]! } : null;
}

export function podFromObject(o: RawPod): PodInfo | null {
  const md = o.metadata;
  if (!md?.uid || !md.name) return null;
  const containers: PodContainer[] = [];
  const add = (list: Array<{ name: string; containerID?: string }> | undefined, kind: PodContainer['kind']) => {
    for (const c of list ?? []) {
      const id = c.containerID ? splitContainerId(c.containerID) : null;
      if (id) containers.push({ name: c.name, ...id, kind });
    }
  };
  add(o.status?.containerStatuses, 'container');
  add(o.status?.initContainerStatuses, 'init');
  add(o.status?.ephemeralContainerStatuses, 'ephemeral');
  const ips = o.spec?.hostNetwork ? [] : [...new Set([...(o.status?.podIPs ?? []).map((x) => x.ip), o.status?.podIP].filter((x): x is string => !!x).map(canonicalIp))];
  const hostIps = [...new Set([...(o.status?.hostIPs ?? []).map((x) => x.ip), o.status?.hostIP].filter((x): x is string => !!x).map(canonicalIp))];
  return { uid: md.uid, namespace: md.namespace ?? 'default', name: md.name, labels: md.labels ?? {}, nodeName: o.spec?.nodeName, phase: o.status?.phase, containers, ips, hostIps };
}

export class PodCache extends K8sInformer<RawPod> {
  /** bumped on every change: owners cached against an older generation are stale */
  generation = 0;
  private readonly byUid = new Map<string, { pod: PodInfo; meta: PodMeta }>();
  private readonly byContainer = new Map<string, { pod: PodInfo; meta: PodMeta }>();

  constructor(private readonly opts: PodCacheOptions) {
    super(opts, { path: '/api/v1/pods', noun: 'pod', query: opts.nodeName ? `&fieldSelector=${encodeURIComponent(`spec.nodeName=${opts.nodeName}`)}` : '' });
  }

  protected replace(items: RawPod[]): void {
    const seen = new Set<string>();
    for (const o of items) {
      const p = podFromObject(o);
      if (!p) continue;
      seen.add(p.uid);
      this.upsert(p);
    }
    const now = this.now();
    for (const { pod } of this.byUid.values()) if (!seen.has(pod.uid) && pod.deletedAt === undefined) this.markDeleted(pod, now);
    this.prune(now);
  }

  protected apply(type: K8sChangeType, o: RawPod): void {
    const p = podFromObject(o);
    if (!p) return;
    if (type === 'DELETED') {
      const cur = this.byUid.get(p.uid);
      this.markDeleted(cur?.pod ?? p, this.now());
    } else this.upsert(p);
    this.prune(this.now());
  }

  private index(pod: PodInfo): void {
    const podMeta: PodMeta = { podUid: pod.uid, namespace: pod.namespace, pod: pod.name, labels: pod.labels };
    this.byUid.set(pod.uid, { pod, meta: podMeta });
    for (const c of pod.containers) this.byContainer.set(c.id, { pod, meta: { ...podMeta, container: c.name, containerRuntime: c.runtime } });
  }

  private unindex(uid: string): void {
    const cur = this.byUid.get(uid);
    if (!cur) return;
    for (const c of cur.pod.containers) if (this.byContainer.get(c.id)?.pod === cur.pod) this.byContainer.delete(c.id);
    this.byUid.delete(uid);
  }

  private upsert(p: PodInfo): void {
    this.unindex(p.uid);
    this.index(p);
    this.generation++;
  }

  private markDeleted(p: PodInfo, now: number): void {
    this.unindex(p.uid);
    this.index({ ...p, deletedAt: now });
    this.generation++;
  }

  private prune(now: number): void {
    const keep = this.opts.keepDeletedMs ?? 30_000;
    for (const { pod } of [...this.byUid.values()]) {
      if (pod.deletedAt !== undefined && now - pod.deletedAt >= keep) {
        this.unindex(pod.uid);
        this.generation++;
      }
    }
  }

  /** Kubernetes names for a container id (exact, without scheme) or else a pod UID; deleted pods for keepDeletedMs. */
  lookup(podUid?: string, containerId?: string): PodMeta | undefined {
    const hit = (containerId ? this.byContainer.get(containerId) : undefined) ?? (podUid ? this.byUid.get(podUid) : undefined);
    if (!hit) return undefined;
    if (hit.pod.deletedAt !== undefined && this.now() - hit.pod.deletedAt >= (this.opts.keepDeletedMs ?? 30_000)) return undefined;
    return hit.meta;
  }

  /**
   * The live pod that holds an IP (status.podIPs; host-network pods share their node's and are never
   * named by it). A running pod's IP is its own; a finished one's may be handed to a new pod, so
   * only pods that are not Succeeded or Failed answer.
   */
  byIp(ip: string): PodInfo | undefined {
    ip = canonicalIp(ip);
    for (const { pod } of this.byUid.values()) {
      if (pod.deletedAt !== undefined || pod.phase === 'Succeeded' || pod.phase === 'Failed') continue;
      if (pod.ips?.includes(ip)) return pod;
    }
    return undefined;
  }

  /**
   * Whether an IP is a node's, as the pods running there report it (status.hostIPs). The coordinator
   * holds every pod, and the agents' DaemonSet runs a pod on every node it watches, so each such node's
   * addresses are known.
   */
  isNodeIp(ip: string): boolean {
    ip = canonicalIp(ip);
    for (const { pod } of this.byUid.values()) if (pod.deletedAt === undefined && pod.hostIps?.includes(ip)) return true;
    return false;
  }

  /** Live pods (not deleted), optionally only those a query selects. */
  pods(): PodInfo[] {
    return [...this.byUid.values()].map((v) => v.pod).filter((p) => p.deletedAt === undefined);
  }

  /** The live pods and containers a query selects (every pod when the query is empty). */
  select(q: PodQuery): PodSelection {
    const reqs = q.labelSelector !== undefined ? parseLabelSelector(q.labelSelector) : undefined;
    const pods = this.pods().filter(
      (p) =>
        (q.namespace === undefined || p.namespace === q.namespace) &&
        (q.name === undefined || p.name === q.name) &&
        (reqs === undefined || matchesLabels(reqs, p.labels)) &&
        (q.container === undefined || p.containers.some((c) => c.name === q.container)),
    );
    const containerIds = new Set<string>();
    for (const p of pods) for (const c of p.containers) if (q.container === undefined || c.name === q.container) containerIds.add(c.id);
    return { pods, podUids: new Set(pods.map((p) => p.uid)), containerIds };
  }
}
