/** The service cache against a fake API server speaking list + watch: addresses indexed, live changes, 410 resyncs. */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeKubeApi, type FakeServiceSpec } from '../../test/fake-kube-api.js';
import { ServiceCache, serviceFromObject } from './services.js';

const web: FakeServiceSpec = { uid: 'a1111111-1111-4111-8111-111111111111', name: 'web', namespace: 'shop', clusterIPs: ['10.96.12.34', 'fd00:96::1234'], ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }] };
const db: FakeServiceSpec = { uid: 'a2222222-2222-4222-8222-222222222222', name: 'db', namespace: 'shop', clusterIPs: ['None'], ports: [{ port: 5432 }] };
const edge: FakeServiceSpec = { uid: 'a3333333-3333-4333-8333-333333333333', name: 'edge', namespace: 'ingress', type: 'LoadBalancer', clusterIPs: ['10.96.0.80'], externalIPs: ['192.0.2.10'], loadBalancerIPs: ['203.0.113.7'], ports: [{ port: 443 }] };
const dns: FakeServiceSpec = { uid: 'a4444444-4444-4444-8444-444444444444', name: 'edge-dns', namespace: 'ingress', type: 'LoadBalancer', clusterIPs: ['10.96.0.53'], loadBalancerIPs: ['203.0.113.7'], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, name: 'dns-tcp' }] };

const until = async (what: string, f: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('ServiceCache', () => {
  let api: FakeKubeApi;
  let cache: ServiceCache | undefined;
  afterEach(async () => {
    await cache?.stop();
    await api?.close();
  });

  const start = async (services: FakeServiceSpec[], opts: Partial<ConstructorParameters<typeof ServiceCache>[0]> = {}) => {
    api = new FakeKubeApi([], services);
    api.token = 'sa-token';
    await api.start();
    cache = new ServiceCache({ api: { apiUrl: api.url, token: 'sa-token' }, backoff: { minMs: 20, maxMs: 200 }, ...opts }).start();
    await cache.ready(5000);
    return cache;
  };

  it('lists every namespace in pages, indexes cluster, external and load-balancer IPs; headless Services have none', async () => {
    const c = await start([web, db, edge, dns], { pageSize: 3 });
    expect(api.requests.slice(0, 2)).toEqual(['GET /api/v1/services?limit=3', 'GET /api/v1/services?limit=3&continue=3']);
    expect(c.services().map((s) => `${s.namespace}/${s.name}`).sort()).toEqual(['ingress/edge', 'ingress/edge-dns', 'shop/db', 'shop/web']);
    expect(c.byIp('10.96.12.34')).toEqual({ namespace: 'shop', name: 'web', type: 'ClusterIP' });
    expect(c.byIp('FD00:96:0:0::1234', 443)).toMatchObject({ name: 'web' }); // IPv6 compared in one written form
    expect(c.byIp('fd00:96::1234', 443)).toEqual({ namespace: 'shop', name: 'web', type: 'ClusterIP', port: { port: 443, protocol: 'TCP', name: 'https' } });
    expect(c.byIp('10.96.12.34', 8080)).toEqual({ namespace: 'shop', name: 'web', type: 'ClusterIP' }); // its address, not a port it serves
    expect(c.byIp('192.0.2.10', 443)).toMatchObject({ name: 'edge', port: { port: 443 } });
    expect(c.byIp('None')).toBeUndefined();
    expect(c.services().find((s) => s.name === 'db')!.ips).toEqual([]);
    await until('the watch', () => api.openWatches === 1);
    expect(api.requests.at(-1)).toBe('GET /api/v1/services?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=100');
  });

  it('a load-balancer IP shared by two Services: the port decides, and without it there is no guess', async () => {
    const c = await start([edge, dns]);
    expect(c.byIp('203.0.113.7', 443)).toMatchObject({ namespace: 'ingress', name: 'edge', type: 'LoadBalancer', port: { port: 443 } });
    expect(c.byIp('203.0.113.7', 53)).toMatchObject({ name: 'edge-dns', port: { port: 53, protocol: 'TCP', name: 'dns-tcp' } });
    expect(c.byIp('203.0.113.7', 53, 'UDP')).toMatchObject({ name: 'edge-dns', port: { port: 53, protocol: 'UDP' } });
    expect(c.byIp('203.0.113.7')).toBeUndefined();
    expect(c.byIp('203.0.113.7', 8443)).toBeUndefined();
    expect(c.byIp('10.96.0.53')).toMatchObject({ name: 'edge-dns' }); // its own cluster IP is not shared
  });

  it('follows the watch: a Service added, given a load balancer, and deleted leaves the index at once', async () => {
    const c = await start([web]);
    await until('the watch', () => api.openWatches === 1);
    const gen0 = c.generation;
    api.addService({ ...edge, loadBalancerIPs: undefined });
    await until('edge added', () => c.byIp('10.96.0.80') !== undefined);
    expect(c.generation).toBeGreaterThan(gen0);
    expect(c.byIp('203.0.113.7')).toBeUndefined();
    api.modifyService(edge);
    await until('edge got its load balancer', () => c.byIp('203.0.113.7') !== undefined);
    api.modifyService({ ...edge, externalIPs: [] });
    await until('edge lost its external IP', () => c.byIp('192.0.2.10') === undefined);
    expect(c.byIp('10.96.0.80', 443)).toMatchObject({ name: 'edge' });
    api.removeService(edge.uid);
    await until('edge deleted', () => c.byIp('10.96.0.80') === undefined);
    expect(c.byIp('203.0.113.7')).toBeUndefined();
    expect(c.services().map((s) => s.name)).toEqual(['web']);
    expect(c.stats).toMatchObject({ lists: 1, resyncs: 0, errors: 0, resourceVersion: '104' });
  });

  it('finds NodePort and LoadBalancer Services by node port (per protocol); a node port freed by a change or a delete answers none', async () => {
    const shopNp: FakeServiceSpec = { uid: 'a5555555-5555-4555-8555-555555555555', name: 'shop-np', namespace: 'shop', type: 'NodePort', clusterIPs: ['10.96.7.7'], ports: [{ port: 80, nodePort: 30080, name: 'http' }, { port: 53, protocol: 'UDP', nodePort: 30053 }] };
    const c = await start([web, shopNp, { ...edge, ports: [{ port: 443, nodePort: 31443 }] }]);
    expect(c.byNodePort(30080)).toEqual({ namespace: 'shop', name: 'shop-np', type: 'NodePort', port: { port: 80, protocol: 'TCP', name: 'http', nodePort: 30080 } });
    expect(c.byNodePort(31443)).toMatchObject({ namespace: 'ingress', name: 'edge', type: 'LoadBalancer', port: { port: 443 } });
    expect(c.byNodePort(30053)).toBeUndefined(); // a UDP node port
    expect(c.byNodePort(30053, 'UDP')).toMatchObject({ name: 'shop-np' });
    expect(c.byNodePort(80)).toBeUndefined(); // a service port is not a node port
    await until('the watch', () => api.openWatches === 1);
    api.modifyService({ ...shopNp, ports: [{ port: 80, nodePort: 30081 }] });
    await until('the node port moved', () => c.byNodePort(30081) !== undefined);
    expect(c.byNodePort(30080)).toBeUndefined();
    api.removeService(edge.uid);
    await until('edge deleted', () => c.byNodePort(31443) === undefined);
  });

  it('410 Gone as an ERROR event: lists again; a Service deleted and one created meanwhile are seen', async () => {
    const c = await start([web, edge]);
    await until('the watch', () => api.openWatches === 1);
    api.expireWatches();
    api.removeService(edge.uid); // no watch open: only the relist can see these
    api.addService(dns);
    await until('relist', () => c.stats.lists === 2);
    expect(c.stats.resyncs).toBe(1);
    expect(c.byIp('10.96.0.80')).toBeUndefined();
    expect(c.byIp('203.0.113.7', 53)).toMatchObject({ name: 'edge-dns' });
    await until('a new watch', () => api.openWatches === 1);
  });

  it('410 Gone as an HTTP status: lists again', async () => {
    const c = await start([web]);
    api.goneAs = 'status';
    await until('the watch', () => api.openWatches === 1);
    api.endWatches();
    api.addService(edge);
    api.compact();
    await until('relist', () => c.stats.lists === 2);
    expect(c.stats.resyncs).toBe(1);
    expect(c.byIp('10.96.0.80')).toMatchObject({ name: 'edge' });
  });

  it('backs off and retries while the API refuses (401), then recovers; ready() says why', async () => {
    api = new FakeKubeApi([], [web]);
    api.token = 'right';
    await api.start();
    const errors: string[] = [];
    cache = new ServiceCache({ api: { apiUrl: api.url, token: 'wrong' }, backoff: { minMs: 20, maxMs: 80 }, onError: (e) => errors.push(e.message) }).start();
    await until('two failures', () => errors.length >= 2);
    expect(errors[0]).toBe('Kubernetes API 401 for /api/v1/services: Unauthorized');
    await expect(cache.ready(50)).rejects.toThrow(/service cache: no service list in 50 ms \(Kubernetes API 401/);
    api.token = 'wrong';
    await cache.ready(2000);
    expect(cache.byIp('10.96.12.34')).toMatchObject({ name: 'web' });
  });

  it('reads a Service object: ports default to TCP, ExternalName has no address', () => {
    expect(serviceFromObject({ metadata: { name: 'ext', namespace: 'x', uid: 'u' }, spec: { type: 'ExternalName', ports: [{ port: 80 }] } })).toEqual({
      uid: 'u', namespace: 'x', name: 'ext', type: 'ExternalName', ips: [], ports: [{ port: 80, protocol: 'TCP' }],
    });
    expect(serviceFromObject({ metadata: {} })).toBeNull();
  });
});
