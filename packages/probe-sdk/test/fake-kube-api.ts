/**
 * A fake Kubernetes API server for tests: GET /api/v1/pods (fieldSelector spec.nodeName) and
 * /api/v1/services, each as a list (limit/continue pages) and as a watch (newline-separated JSON
 * events from a resourceVersion, kept open until timeoutSeconds or the test ends it). Changes made by
 * the test (add, modify, remove; addService, modifyService, removeService) get the next
 * resourceVersion — one sequence for both, as etcd's — and reach open watches of their resource at
 * once. compact() makes older versions "too old": a watch from them gets 410 Gone — an ERROR event on
 * a 200 stream, as the API server does, or an HTTP 410 (goneAs: 'status').
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeContainer {
  name: string;
  /** with its scheme: containerd://<id> */
  containerID?: string;
}

export interface FakePodSpec {
  uid: string;
  name: string;
  namespace?: string;
  node: string;
  labels?: Record<string, string>;
  containers?: FakeContainer[];
  initContainers?: FakeContainer[];
  /** status.podIPs */
  ips?: string[];
  /** status.hostIPs: the node's addresses */
  hostIps?: string[];
  hostNetwork?: boolean;
}

export function fakePod(p: FakePodSpec, rv = '1'): Record<string, unknown> {
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { uid: p.uid, name: p.name, namespace: p.namespace ?? 'default', labels: p.labels ?? {}, resourceVersion: rv },
    spec: { nodeName: p.node, ...(p.hostNetwork ? { hostNetwork: true } : {}), containers: (p.containers ?? []).map((c) => ({ name: c.name, image: 'registry.local/app:1' })) },
    status: {
      phase: 'Running',
      ...(p.ips?.length ? { podIP: p.ips[0], podIPs: p.ips.map((ip) => ({ ip })) } : {}),
      ...(p.hostIps?.length ? { hostIP: p.hostIps[0], hostIPs: p.hostIps.map((ip) => ({ ip })) } : {}),
      containerStatuses: (p.containers ?? []).map((c) => ({ name: c.name, ready: true, ...(c.containerID ? { containerID: c.containerID } : {}) })),
      ...(p.initContainers ? { initContainerStatuses: p.initContainers.map((c) => ({ name: c.name, ...(c.containerID ? { containerID: c.containerID } : {}) })) } : {}),
    },
  };
}

export interface FakeServiceSpec {
  uid: string;
  name: string;
  namespace?: string;
  /** default ClusterIP */
  type?: string;
  /** spec.clusterIP(s): the first is clusterIP; 'None' for a headless Service */
  clusterIPs?: string[];
  externalIPs?: string[];
  /** status.loadBalancer.ingress[].ip */
  loadBalancerIPs?: string[];
  ports?: Array<{ port: number; protocol?: string; name?: string; targetPort?: number; nodePort?: number }>;
}

export function fakeService(s: FakeServiceSpec, rv = '1'): Record<string, unknown> {
  const ips = s.clusterIPs ?? [];
  return {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { uid: s.uid, name: s.name, namespace: s.namespace ?? 'default', resourceVersion: rv },
    spec: {
      type: s.type ?? 'ClusterIP',
      ...(ips.length ? { clusterIP: ips[0], clusterIPs: ips } : {}),
      ...(s.externalIPs ? { externalIPs: s.externalIPs } : {}),
      ports: (s.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP', targetPort: p.targetPort ?? p.port, ...(p.name ? { name: p.name } : {}), ...(p.nodePort ? { nodePort: p.nodePort } : {}) })),
    },
    status: { loadBalancer: s.loadBalancerIPs ? { ingress: s.loadBalancerIPs.map((ip) => ({ ip, ipMode: 'VIP' })) } : {} },
  };
}

type Resource = 'pods' | 'services';
const KIND: Record<Resource, string> = { pods: 'Pod', services: 'Service' };

interface Watcher {
  res: http.ServerResponse;
  resource: Resource;
  node: string | undefined;
  timer: NodeJS.Timeout;
}

type Pod = Record<string, any>;

export class FakeKubeApi {
  /** every request line: "GET /api/v1/pods?..." */
  readonly requests: string[] = [];
  private readonly objects: Record<Resource, Map<string, Pod>> = { pods: new Map(), services: new Map() };
  private readonly history: Array<{ rv: number; type: 'ADDED' | 'MODIFIED' | 'DELETED'; resource: Resource; obj: Pod }> = [];
  private rv = 100;
  private compactedBefore = 0;
  private readonly watchers = new Set<Watcher>();
  private server: http.Server | undefined;
  goneAs: 'event' | 'status' = 'event';
  token: string | undefined;

  constructor(pods: FakePodSpec[] = [], services: FakeServiceSpec[] = []) {
    for (const p of pods) this.objects.pods.set(p.uid, fakePod(p, String(this.rv)));
    for (const s of services) this.objects.services.set(s.uid, fakeService(s, String(this.rv)));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return this.url;
  }

  async close(): Promise<void> {
    for (const w of this.watchers) this.endWatch(w);
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  add(p: FakePodSpec): void {
    this.change('pods', 'ADDED', fakePod(p));
  }

  modify(p: FakePodSpec): void {
    this.change('pods', 'MODIFIED', fakePod(p));
  }

  remove(uid: string): void {
    const pod = this.objects.pods.get(uid);
    if (pod) this.change('pods', 'DELETED', pod);
  }

  addService(s: FakeServiceSpec): void {
    this.change('services', 'ADDED', fakeService(s));
  }

  modifyService(s: FakeServiceSpec): void {
    this.change('services', 'MODIFIED', fakeService(s));
  }

  removeService(uid: string): void {
    const svc = this.objects.services.get(uid);
    if (svc) this.change('services', 'DELETED', svc);
  }

  /** versions up to now are compacted: a watch from them is answered 410 */
  compact(): void {
    this.compactedBefore = this.rv + 1;
  }

  /** end every open watch (as the server does at timeoutSeconds) */
  endWatches(): void {
    for (const w of this.watchers) this.endWatch(w);
  }

  /** send a 410 ERROR event on every open watch and end them (etcd compacted under a running watch) */
  expireWatches(): void {
    this.compact();
    for (const w of this.watchers) {
      w.res.write(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version', reason: 'Expired', code: 410 } }) + '\n');
      this.endWatch(w);
    }
  }

  private change(resource: Resource, type: 'ADDED' | 'MODIFIED' | 'DELETED', o: Pod): void {
    this.rv++;
    const obj = structuredClone(o);
    obj.metadata.resourceVersion = String(this.rv);
    if (type === 'DELETED') this.objects[resource].delete(obj.metadata.uid);
    else this.objects[resource].set(obj.metadata.uid, obj);
    this.history.push({ rv: this.rv, type, resource, obj });
    for (const w of this.watchers) if (w.resource === resource && (!w.node || obj.spec.nodeName === w.node)) w.res.write(JSON.stringify({ type, object: obj }) + '\n');
  }

  private endWatch(w: Watcher): void {
    clearTimeout(w.timer);
    this.watchers.delete(w);
    w.res.end();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push(`${req.method} ${req.url}`);
    const u = new URL(req.url ?? '/', 'http://x');
    const status = (code: number, message: string, reason: string): void => {
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code }));
    };
    if (this.token && req.headers.authorization !== `Bearer ${this.token}`) return status(401, 'Unauthorized', 'Unauthorized');
    const resource: Resource | undefined = u.pathname === '/api/v1/pods' ? 'pods' : u.pathname === '/api/v1/services' ? 'services' : undefined;
    if (!resource) return status(404, `no fake for ${u.pathname}`, 'NotFound');
    const fs = u.searchParams.get('fieldSelector');
    let node: string | undefined;
    if (fs) {
      const m = resource === 'pods' ? /^spec\.nodeName=(.+)$/.exec(fs) : null;
      if (!m) return status(400, `unsupported fieldSelector ${fs}`, 'BadRequest');
      node = m[1];
    }
    const mine = (p: Pod) => !node || p.spec.nodeName === node;
    if (u.searchParams.get('watch') === '1' || u.searchParams.get('watch') === 'true') {
      const from = Number(u.searchParams.get('resourceVersion') ?? this.rv);
      if (from < this.compactedBefore - 1) {
        const message = `too old resource version: ${from} (${this.compactedBefore - 1})`;
        if (this.goneAs === 'status') return status(410, message, 'Expired');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason: 'Expired', code: 410 } }) + '\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      for (const h of this.history) if (h.rv > from && h.resource === resource && mine(h.obj)) res.write(JSON.stringify({ type: h.type, object: h.obj }) + '\n');
      if (u.searchParams.get('allowWatchBookmarks') === 'true') res.write(JSON.stringify({ type: 'BOOKMARK', object: { kind: KIND[resource], apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) } } }) + '\n');
      const w: Watcher = { res, resource, node, timer: setTimeout(() => this.endWatch(w), Number(u.searchParams.get('timeoutSeconds') ?? 1800) * 1000) };
      this.watchers.add(w);
      req.on('close', () => {
        clearTimeout(w.timer);
        this.watchers.delete(w);
      });
      return;
    }
    const items = [...this.objects[resource].values()].filter(mine).sort((a, b) => a.metadata.uid.localeCompare(b.metadata.uid));
    const limit = Number(u.searchParams.get('limit') ?? 0) || items.length;
    const start = Number(u.searchParams.get('continue') ?? 0);
    const page = items.slice(start, start + limit);
    const next = start + limit < items.length ? String(start + limit) : undefined;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ kind: `${KIND[resource]}List`, apiVersion: 'v1', metadata: { resourceVersion: String(this.rv), ...(next ? { continue: next } : {}) }, items: page }),
    );
  }
}
