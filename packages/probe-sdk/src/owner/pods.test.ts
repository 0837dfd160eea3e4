/** The pod cache against a fake API server speaking list + watch: node scoping, live changes, 410 resyncs, backoff. */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeKubeApi, type FakePodSpec } from '../../test/fake-kube-api.js';
import { PodCache, splitContainerId } from './pods.js';

const hex = (c: string) => c.repeat(64);
const web0: FakePodSpec = { uid: '11111111-1111-4111-8111-111111111111', name: 'web-0', namespace: 'shop', node: 'w1', labels: { app: 'web', tier: 'front' }, containers: [{ name: 'web', containerID: `containerd://${hex('a')}` }, { name: 'envoy', containerID: `containerd://${hex('b')}` }] };
const db0: FakePodSpec = { uid: '22222222-2222-4222-8222-222222222222', name: 'db-0', namespace: 'shop', node: 'w1', labels: { app: 'db' }, containers: [{ name: 'pg', containerID: `cri-o://${hex('c')}` }], initContainers: [{ name: 'migrate', containerID: `cri-o://${hex('d')}` }] };
const other: FakePodSpec = { uid: '33333333-3333-4333-8333-333333333333', name: 'web-1', namespace: 'shop', node: 'w2', labels: { app: 'web' }, containers: [{ name: 'web', containerID: `containerd://${hex('e')}` }] };
const pending: FakePodSpec = { uid: '44444444-4444-4444-8444-444444444444', name: 'batch-0', namespace: 'jobs', node: 'w1', containers: [{ name: 'run' }] };

const until = async (what: string, f: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('PodCache', () => {
  let api: FakeKubeApi;
  let cache: PodCache | undefined;
  afterEach(async () => {
    await cache?.stop();
    await api?.close();
  });

  const start = async (opts: Partial<ConstructorParameters<typeof PodCache>[0]> = {}) => {
    await api.start();
    cache = new PodCache({ api: { apiUrl: api.url, token: 'sa-token' }, nodeName: 'w1', backoff: { minMs: 20, maxMs: 200 }, ...opts }).start();
    await cache.ready(5000);
    return cache;
  };

  it('lists only its node (fieldSelector), in pages, indexes pods and containers by id', async () => {
    api = new FakeKubeApi([web0, db0, other, pending]);
    api.token = 'sa-token';
    const c = await start({ pageSize: 2 });
    expect(api.requests[0]).toBe('GET /api/v1/pods?limit=2&fieldSelector=spec.nodeName%3Dw1');
    expect(api.requests[1]).toBe('GET /api/v1/pods?limit=2&fieldSelector=spec.nodeName%3Dw1&continue=2');
    expect(c.pods().map((p) => `${p.namespace}/${p.name}`).sort()).toEqual(['jobs/batch-0', 'shop/db-0', 'shop/web-0']);
    expect(c.lookup(undefined, hex('a'))).toEqual({ podUid: web0.uid, namespace: 'shop', pod: 'web-0', container: 'web', containerRuntime: 'containerd', labels: { app: 'web', tier: 'front' } });
    expect(c.lookup(db0.uid, hex('d'))).toMatchObject({ pod: 'db-0', container: 'migrate', containerRuntime: 'cri-o' });
    expect(c.lookup(web0.uid)).toEqual({ podUid: web0.uid, namespace: 'shop', pod: 'web-0', labels: { app: 'web', tier: 'front' } });
    expect(c.lookup(other.uid, hex('e'))).toBeUndefined(); // another node's pod
    expect(c.lookup(pending.uid)).toMatchObject({ pod: 'batch-0' }); // no container id yet
    await until('the watch', () => api.openWatches === 1);
    expect(api.requests.at(-1)).toMatch(/^GET \/api\/v1\/pods\?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=100&fieldSelector=spec.nodeName%3Dw1$/);
  });

  it('select: by namespace/name, by label selector (string or map), by container name', async () => {
    api = new FakeKubeApi([web0, db0, pending]);
    const c = await start();
    const names = (q: Parameters<PodCache['select']>[0]) => c.select(q).pods.map((p) => p.name).sort();
    expect(c.select({ namespace: 'shop', name: 'web-0' })).toEqual({ pods: [expect.objectContaining({ name: 'web-0' })], podUids: new Set([web0.uid]), containerIds: new Set([hex('a'), hex('b')]) });
    expect(names({ labelSelector: 'app=web' })).toEqual(['web-0']);
    expect(names({ labelSelector: 'app in (web,db),tier!=front' })).toEqual(['db-0']);
    expect(names({ labelSelector: '!app' })).toEqual(['batch-0']);
    expect(names({ labelSelector: { app: 'db' } })).toEqual(['db-0']);
    expect(names({ namespace: 'jobs', labelSelector: '' })).toEqual(['batch-0']);
    expect(c.select({ container: 'envoy' }).containerIds).toEqual(new Set([hex('b')]));
    expect(() => c.select({ labelSelector: 'app in web' })).toThrow(/label selector "app in web": cannot read/);
  });

  it('follows the watch: a pod added, changed and deleted while watching; deleted pods linger for late events only', async () => {
    api = new FakeKubeApi([web0]);
    const c = await start({ keepDeletedMs: 300 });
    await until('the watch', () => api.openWatches === 1);
    const gen0 = c.generation;
    api.add(db0);
    await until('db-0 added', () => c.lookup(undefined, hex('c')) !== undefined);
    expect(c.generation).toBeGreaterThan(gen0);
    api.modify({ ...db0, labels: { app: 'db', role: 'primary' } });
    await until('db-0 relabelled', () => c.lookup(db0.uid)?.labels.role === 'primary');
    expect(c.select({ labelSelector: 'role=primary' }).podUids).toEqual(new Set([db0.uid]));
    api.remove(db0.uid);
    await until('db-0 deleted', () => c.select({ namespace: 'shop', name: 'db-0' }).pods.length === 0);
    expect(c.lookup(undefined, hex('c'))).toMatchObject({ pod: 'db-0' }); // still names late events
    await new Promise((r) => setTimeout(r, 350));
    expect(c.lookup(undefined, hex('c'))).toBeUndefined();
    expect(c.stats).toMatchObject({ lists: 1, resyncs: 0, errors: 0, resourceVersion: '103' });
  });

  it('410 Gone as an ERROR event: lists again, catching a change made while it was not watching', async () => {
    api = new FakeKubeApi([web0]);
    const c = await start();
    await until('the watch', () => api.openWatches === 1);
    api.expireWatches();
    api.add(db0); // no watch open: only the relist can see it
    await until('relist', () => c.stats.lists === 2);
    expect(c.stats.resyncs).toBe(1);
    expect(c.lookup(undefined, hex('c'))).toMatchObject({ pod: 'db-0' });
    await until('a new watch', () => api.openWatches === 1);
  });

  it('410 Gone as an HTTP status on a watch from a compacted version: lists again; a pod gone meanwhile is deleted', async () => {
    api = new FakeKubeApi([web0, db0]);
    api.goneAs = 'status';
    const c = await start();
    await until('the watch', () => api.openWatches === 1);
    api.endWatches(); // timeoutSeconds reached; the cache watches again from its version...
    api.remove(db0.uid);
    api.compact(); // ...which is compacted by then
    await until('relist', () => c.stats.lists === 2);
    expect(c.stats.resyncs).toBe(1);
    expect(c.select({}).podUids).toEqual(new Set([web0.uid]));
    const watches = api.requests.filter((r) => r.includes('watch=1'));
    expect(watches.length).toBeGreaterThanOrEqual(2);
  });

  it('a watch that ends normally is taken up from the last resourceVersion without a list', async () => {
    api = new FakeKubeApi([web0]);
    const c = await start();
    await until('the watch', () => api.openWatches === 1);
    api.add(db0);
    await until('db-0', () => c.lookup(db0.uid) !== undefined);
    api.endWatches();
    await until('a second watch', () => api.openWatches === 1 && api.requests.filter((r) => r.includes('watch=1')).length === 2);
    expect(api.requests.filter((r) => r.includes('watch=1')).at(-1)).toContain('resourceVersion=101');
    expect(c.stats.lists).toBe(1);
  });

  it('backs off and retries while the API refuses (401), then recovers', async () => {
    api = new FakeKubeApi([web0]);
    api.token = 'right';
    await api.start();
    const errors: string[] = [];
    cache = new PodCache({ api: { apiUrl: api.url, token: 'wrong' }, nodeName: 'w1', backoff: { minMs: 20, maxMs: 80 }, onError: (e) => errors.push(e.message) }).start();
    await until('three failures', () => errors.length >= 3);
    expect(errors[0]).toBe('Kubernetes API 401 for /api/v1/pods: Unauthorized');
    await expect(cache.ready(50)).rejects.toThrow(/no pod list in 50 ms \(Kubernetes API 401/);
    api.token = 'wrong';
    await cache.ready(2000);
    expect(cache.lookup(web0.uid)).toMatchObject({ pod: 'web-0' });
  });

  it('splits containerID schemes', () => {
    expect(splitContainerId(`containerd://${hex('a')}`)).toEqual({ runtime: 'containerd', id: hex('a') });
    expect(splitContainerId('cri-o://abc')).toEqual({ runtime: 'cri-o', id: 'abc' });
    expect(splitContainerId('abc')).toBeNull();
  });
});
