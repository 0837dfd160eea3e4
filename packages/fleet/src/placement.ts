/**
 * Pods in a fleet job: where a pod-selected job runs, and who is on the other end of a connection.
 *
 * The coordinator holds its own cluster-wide PodCache (every pod its ServiceAccount may list: the
 * chart's ClusterRole `<release>-coordinator-pods`). A job whose params name pods — `pod`
 * (namespace/name or UID), `podSelector`, or `container` (a name in the pod specs, or an id prefix) —
 * goes only to the agents of the nodes those pods run on; the job says which nodes and why. A
 * `cgroup` path names no pod: such jobs go to every selected node. Without a pod cache the agents
 * decide for themselves (each answers 400 when the pod is not on its node).
 *
 * In merged results, every row with a `raddr` the cache knows as a pod IP (status.podIPs of a live
 * pod that is not on the host network) gets `remotePod`: "namespace/name"; one the coordinator's
 * ServiceCache knows as a Service's address (cluster, external or load-balancer IP; `rport` decides
 * between Services sharing one) gets `remoteService`: "namespace/name"; so does one whose `raddr` is a
 * node's address (a pod's status.hostIPs) and whose `rport` is a Service's node port (NodePort and
 * LoadBalancer Services).
 */
import { ownerFilterOf, type PodCache, type PodInfo, type ServiceCache } from '@sonde/probe-sdk';

export interface Placement {
  /** node names that run the pods, sorted */
  nodes: string[];
  /** the pods, namespace/name */
  pods: string[];
  /** in words: which filter matched which pods on which nodes */
  why: string;
}

export class PlacementError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'PlacementError';
  }
}

const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ID_PREFIX = /^[0-9a-f]{4,64}$/;

/**
 * The nodes a job's pod filters put it on; null when the params name no pod (or there is no pod
 * cache to ask). Throws PlacementError (a 400 naming the field) when no pod in the cluster matches.
 */
export function placementOf(params: unknown, pods: PodCache | undefined): Placement | null {
  const f = ownerFilterOf(params);
  if (!f || !pods || !pods.synced) return null;
  if (f.pod === undefined && f.podSelector === undefined && f.container === undefined) return null;
  let set: PodInfo[] = pods.pods();
  const said: string[] = [];
  const narrow = (field: string, what: string, keep: (p: PodInfo) => boolean) => {
    set = set.filter(keep);
    said.push(what);
    if (set.length === 0) throw new PlacementError(field, `${said.join(', ')}: no pod in the cluster matches`);
  };
  if (f.pod !== undefined) {
    const p = f.pod.trim();
    if (UID.test(p)) narrow('pod', `pod ${p}`, (x) => x.uid === p);
    else {
      const [ns, name] = p.split('/');
      narrow('pod', `pod ${p}`, (x) => x.namespace === ns && x.name === name);
    }
  }
  if (f.podSelector !== undefined) {
    const uids = pods.select({ labelSelector: f.podSelector }).podUids;
    narrow('podSelector', `podSelector ${typeof f.podSelector === 'string' ? f.podSelector : JSON.stringify(f.podSelector)}`, (x) => uids.has(x.uid));
  }
  if (f.container !== undefined) {
    const c = f.container.trim();
    const hex = c.toLowerCase();
    narrow('container', `container ${c}`, (x) => x.containers.some((k) => k.name === c || (ID_PREFIX.test(hex) && k.id.startsWith(hex))));
  }
  const nodes = [...new Set(set.map((p) => p.nodeName).filter((n): n is string => !!n))].sort();
  const names = set.map((p) => `${p.namespace}/${p.name}`).sort();
  const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
  return { nodes, pods: names, why: `${said.join(', ')}: ${shown} on ${nodes.length === 1 ? 'node' : 'nodes'} ${nodes.join(', ') || '(none scheduled yet)'}` };
}

const MAX_DEPTH = 8;

export interface RemoteNamers {
  pods?: PodCache | undefined;
  services?: ServiceCache | undefined;
}

/** how many objects got each name */
export interface RemoteNamed {
  pods: number;
  services: number;
}

/**
 * `remotePod` / `remoteService` on every object under `data` (at most MAX_DEPTH levels down, owners
 * skipped) whose `raddr` is a known pod's IP / a known Service's address (or a node's, at a Service's node
 * port); each address is looked up once.
 */
export function nameRemotes(data: unknown, { pods, services }: RemoteNamers): RemoteNamed {
  const named: RemoteNamed = { pods: 0, services: 0 };
  if (!pods && !services) return named;
  const podOf = new Map<string, string | null>();
  const serviceOf = new Map<string, string | null>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.raddr === 'string') {
      const ip = o.raddr;
      if (pods) {
        let name = podOf.get(ip);
        if (name === undefined) {
          const p = pods.byIp(ip);
          podOf.set(ip, (name = p ? `${p.namespace}/${p.name}` : null));
        }
        if (name) {
          o.remotePod = name;
          named.pods++;
        }
      }
      if (services) {
        const port = typeof o.rport === 'number' ? o.rport : undefined;
        const key = `${ip} ${port ?? ''}`;
        let name = serviceOf.get(key);
        if (name === undefined) {
          const s = services.byIp(ip, port) ?? (port !== undefined && pods?.isNodeIp(ip) ? services.byNodePort(port) : undefined);
          serviceOf.set(key, (name = s ? `${s.namespace}/${s.name}` : null));
        }
        if (name) {
          o.remoteService = name;
          named.services++;
        }
      }
    }
    for (const k in o) if (k !== 'owner' && o[k] !== null && typeof o[k] === 'object') walk(o[k], depth + 1);
  };
  walk(data, 0);
  return named;
}
