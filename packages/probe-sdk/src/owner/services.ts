/**
 * Every Service of the cluster, kept current from the Kubernetes API (list + watch of
 * /api/v1/services, 410 resync, backoff: ../k8s-informer.ts; RBAC: get/list/watch on services), and
 * indexed by the addresses a client connects to: spec.clusterIP / clusterIPs (not "None": headless
 * Services have none, their clients reach the pods' own IPs), spec.externalIPs and
 * status.loadBalancer.ingress[].ip. With kube-proxy a client's socket keeps the Service address it
 * connected to (the DNAT to a backend is conntrack's, not the socket's), so a `raddr` can be one.
 *
 * NodePort and LoadBalancer Services are also found by their node port (spec.ports[].nodePort, unique in
 * the cluster per protocol): a client that connected to a node's address at that port reached the Service.
 *
 * A deleted Service leaves the index at once: a ClusterIP is handed to the next Service created.
 */
import { canonicalIp } from '../address.js';
import { K8sInformer, type InformerOptions, type InformerStats, type K8sChangeType } from '../k8s-informer.js';

export interface ServicePort {
  port: number;
  /** TCP, UDP or SCTP */
  protocol: string;
  name?: string;
  /** the port on every node (NodePort and LoadBalancer Services) */
  nodePort?: number;
}

export interface ServiceInfo {
  uid: string;
  namespace: string;
  name: string;
  /** ClusterIP, NodePort, LoadBalancer, ExternalName */
  type: string;
  /** cluster IPs, external IPs, load-balancer ingress IPs */
  ips: string[];
  ports: ServicePort[];
}

/** A Service found by one of its addresses; `port` when the lookup gave one that the Service serves. */
export interface ServiceHit {
  namespace: string;
  name: string;
  type: string;
  port?: ServicePort;
}

export type ServiceCacheOptions = InformerOptions;
export type ServiceCacheStats = InformerStats;

interface RawService {
  metadata?: { uid?: string; name?: string; namespace?: string; resourceVersion?: string };
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    ports?: Array<{ port?: number; protocol?: string; name?: string; nodePort?: number }>;
  };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

export function serviceFromObject(o: RawService): ServiceInfo | null {
  const md = o.metadata;
  if (!md?.name) return null;
  const namespace = md.namespace ?? 'default';
  const s = o.spec ?? {};
  const ips = [s.clusterIP, ...(s.clusterIPs ?? []), ...(s.externalIPs ?? []), ...(o.status?.loadBalancer?.ingress ?? []).map((i) => i.ip)].filter(
    (ip): ip is string => !!ip && ip !== 'None',
  ).map(canonicalIp);
  const ports = (s.ports ?? [])
    .filter((p) => typeof p.port === 'number')
    .map((p): ServicePort => ({ port: p.port!, protocol: p.protocol ?? 'TCP', ...(p.name ? { name: p.name } : {}), ...(typeof p.nodePort === 'number' && p.nodePort > 0 ? { nodePort: p.nodePort } : {}) }));
  return { uid: md.uid ?? `${namespace}/${md.name}`, namespace, name: md.name, type: s.type ?? 'ClusterIP', ips: [...new Set(ips)], ports };
}

export class ServiceCache extends K8sInformer<RawService> {
  /** bumped on every change */
  generation = 0;
  private readonly byUid = new Map<string, ServiceInfo>();
  private readonly ipIndex = new Map<string, ServiceInfo[]>();
  /** `TCP/30080` → the Service and port holding that node port */
  private readonly nodePortIndex = new Map<string, { s: ServiceInfo; p: ServicePort }>();

  constructor(opts: ServiceCacheOptions) {
    super(opts, { path: '/api/v1/services', noun: 'service' });
  }

  protected replace(items: RawService[]): void {
    this.byUid.clear();
    this.ipIndex.clear();
    this.nodePortIndex.clear();
    for (const o of items) {
      const s = serviceFromObject(o);
      if (s) this.index(s);
    }
    this.generation++;
  }

  protected apply(type: K8sChangeType, o: RawService): void {
    const s = serviceFromObject(o);
    if (!s) return;
    this.unindex(s.uid);
    if (type !== 'DELETED') this.index(s);
    this.generation++;
  }

  private index(s: ServiceInfo): void {
    this.byUid.set(s.uid, s);
    for (const ip of s.ips) {
      const list = this.ipIndex.get(ip);
      if (list) list.push(s);
      else this.ipIndex.set(ip, [s]);
    }
    for (const p of s.ports) if (p.nodePort !== undefined) this.nodePortIndex.set(`${p.protocol}/${p.nodePort}`, { s, p });
  }

  private unindex(uid: string): void {
    const cur = this.byUid.get(uid);
    if (!cur) return;
    this.byUid.delete(uid);
    for (const ip of cur.ips) {
      const rest = (this.ipIndex.get(ip) ?? []).filter((s) => s !== cur);
      if (rest.length) this.ipIndex.set(ip, rest);
      else this.ipIndex.delete(ip);
    }
    for (const p of cur.ports) {
      const k = `${p.protocol}/${p.nodePort}`;
      if (p.nodePort !== undefined && this.nodePortIndex.get(k)?.s === cur) this.nodePortIndex.delete(k);
    }
  }

  /**
   * The Service that answers at an address. Several may share one (an external or load-balancer IP
   * shared on different ports): then the port decides, and without one that tells them apart the
   * answer is none rather than a guess. With a port the Service serves (and protocol, default TCP),
   * the hit carries that port.
   */
  byIp(ip: string, port?: number, protocol = 'TCP'): ServiceHit | undefined {
    const all = this.ipIndex.get(canonicalIp(ip));
    if (!all) return undefined;
    const serving = port === undefined ? [] : all.flatMap((s) => s.ports.filter((p) => p.port === port && p.protocol === protocol).map((p) => ({ s, p })));
    const hit = (s: ServiceInfo, p?: ServicePort): ServiceHit => ({ namespace: s.namespace, name: s.name, type: s.type, ...(p ? { port: p } : {}) });
    if (serving.length === 1) return hit(serving[0]!.s, serving[0]!.p);
    if (serving.length === 0 && all.length === 1) return hit(all[0]!);
    return undefined;
  }

  /** The Service holding a node port (reached at any node's address), with that port. */
  byNodePort(nodePort: number, protocol = 'TCP'): ServiceHit | undefined {
    const hit = this.nodePortIndex.get(`${protocol}/${nodePort}`);
    return hit ? { namespace: hit.s.namespace, name: hit.s.name, type: hit.s.type, port: hit.p } : undefined;
  }

  /** every Service held */
  services(): ServiceInfo[] {
    return [...this.byUid.values()];
  }
}
