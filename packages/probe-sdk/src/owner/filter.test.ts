/**
 * Owner resolution and owner filters over a node-like tree (a tmp directory laid out by kubelet's
 * systemd driver with containerd and CRI-O, a cgroupfs-driver pod, Docker, a systemd service) and a
 * pod cache fed by a fake API server.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeKubeApi, type FakePodSpec } from '../../test/fake-kube-api.js';
import { ownerCgroupIds, OwnerFilterError, type OwnerFilter } from './filter.js';
import { CgroupHierarchy } from './hierarchy.js';
import { PodCache } from './pods.js';
import { OwnerResolver, ownerKey, ownerLabel } from './resolver.js';

const hex = (c: string) => c.repeat(64);
const WEB = '11111111-1111-4111-8111-111111111111';
const DB = '22222222-2222-4222-8222-222222222222';
const OLD = '33333333-3333-4333-8333-333333333333';
const u_ = (u: string) => u.replace(/-/g, '_');
const WEB_DIR = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${u_(WEB)}.slice`;
const DB_DIR = `/kubepods.slice/kubepods-pod${u_(DB)}.slice`;
const OLD_DIR = `/kubepods/besteffort/pod${OLD}`;
const PATHS = {
  webPod: WEB_DIR,
  web: `${WEB_DIR}/cri-containerd-${hex('a')}.scope`,
  envoy: `${WEB_DIR}/cri-containerd-${hex('b')}.scope`,
  pause: `${WEB_DIR}/cri-containerd-${hex('f')}.scope`,
  dbPod: DB_DIR,
  pg: `${DB_DIR}/crio-${hex('c')}.scope`,
  pgSub: `${DB_DIR}/crio-${hex('c')}.scope/container`,
  oldPod: OLD_DIR,
  old: `${OLD_DIR}/${hex('d')}`,
  docker: `/system.slice/docker-${hex('e')}.scope`,
  nginx: '/system.slice/nginx.service',
};
const pods: FakePodSpec[] = [
  { uid: WEB, name: 'web-0', namespace: 'shop', node: 'w1', labels: { app: 'web' }, containers: [{ name: 'web', containerID: `containerd://${hex('a')}` }, { name: 'envoy', containerID: `containerd://${hex('b')}` }] },
  { uid: DB, name: 'db-0', namespace: 'shop', node: 'w1', labels: { app: 'db' }, containers: [{ name: 'pg', containerID: `cri-o://${hex('c')}` }] },
  { uid: OLD, name: 'legacy', namespace: 'ops', node: 'w1', labels: { app: 'web', gen: '1' }, containers: [{ name: 'web', containerID: `docker://${hex('d')}` }] },
];

describe('owners and owner filters', () => {
  const root = mkdtempSync(join(tmpdir(), 'sonde-own-'));
  for (const p of Object.values(PATHS)) mkdirSync(join(root, p), { recursive: true });
  const id = (k: keyof typeof PATHS) => statSync(join(root, PATHS[k]), { bigint: true }).ino;
  const ids = (...ks: Array<keyof typeof PATHS>) => ks.map(id).sort((a, b) => (a < b ? -1 : 1));
  const api = new FakeKubeApi(pods);
  let cache: PodCache;
  const h = new CgroupHierarchy({ root });
  beforeAll(async () => {
    await api.start();
    cache = new PodCache({ api: { apiUrl: api.url }, nodeName: 'w1' }).start();
    await cache.ready();
  });
  afterAll(async () => {
    await cache.stop();
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });
  const f = (filter: OwnerFilter, withPods = true) => ownerCgroupIds(filter, h, withPods ? cache : undefined);

  it('resolves ids to owners with the pod names, labels and the runtime the pod status names', () => {
    const r = new OwnerResolver({ hierarchy: h, pods: cache });
    expect(r.resolve(id('web'))).toEqual({
      cgroupId: String(id('web')), cgroupPath: PATHS.web, runtime: 'containerd', containerId: hex('a'), podUid: WEB, qos: 'burstable',
      namespace: 'shop', pod: 'web-0', container: 'web', labels: { app: 'web' },
    });
    expect(r.resolve(id('pgSub'))).toMatchObject({ runtime: 'cri-o', pod: 'db-0', container: 'pg', qos: 'guaranteed' });
    expect(r.resolve(id('old'))).toMatchObject({ runtime: 'docker', pod: 'legacy', container: 'web', qos: 'besteffort' }); // cgroupfs: runtime from docker://
    expect(r.resolve(id('webPod'))).toMatchObject({ runtime: 'kubelet', namespace: 'shop', pod: 'web-0' });
    expect(r.resolve(id('webPod'))?.container).toBeUndefined();
    expect(r.resolve(id('pause'))).toMatchObject({ pod: 'web-0', containerId: hex('f') }); // the sandbox has no containerStatus
    expect(r.resolve(id('docker'))).toEqual({ cgroupId: String(id('docker')), cgroupPath: PATHS.docker, runtime: 'docker', containerId: hex('e') });
    expect(r.resolve(id('nginx'))).toMatchObject({ runtime: 'systemd', unit: 'nginx.service' });
    expect(r.resolve(0n)).toBeNull();
    expect(r.resolve(id('web'))).toBe(r.resolve(String(id('web')))); // cached: the same frozen object
    const noPods = new OwnerResolver({ hierarchy: h });
    expect(noPods.resolve(id('old'))).toMatchObject({ runtime: 'container', podUid: OLD });
  });

  it('names and groups owners', () => {
    const r = new OwnerResolver({ hierarchy: h, pods: cache });
    const o = r.resolve(id('envoy'))!;
    expect(ownerLabel(o)).toBe('shop/web-0/envoy');
    expect(ownerKey(o, 'pod')).toBe('shop/web-0');
    expect(ownerKey(o, 'container')).toBe('shop/web-0/envoy');
    expect(ownerKey(o, 'cgroup')).toBe(PATHS.envoy);
    const bare = new OwnerResolver({ hierarchy: h });
    expect(ownerLabel(bare.resolve(id('envoy'))!)).toBe(`pod:${WEB}/bbbbbbbbbbbb`);
    expect(ownerKey(bare.resolve(id('envoy'))!, 'pod')).toBe(`pod:${WEB}`);
    expect(ownerLabel(bare.resolve(id('docker'))!)).toBe('docker:eeeeeeeeeeee');
    expect(ownerKey(bare.resolve(id('nginx'))!, 'pod')).toBe('/system.slice/nginx.service');
    expect(ownerLabel(bare.resolve(id('nginx'))!)).toBe('nginx.service');
  });

  it('pod namespace/name: the pod cgroup and every descendant', () => {
    expect(f({ pod: 'shop/web-0' }).ids).toEqual(ids('webPod', 'web', 'envoy', 'pause'));
    expect(f({ pod: 'shop/db-0' }).ids).toEqual(ids('dbPod', 'pg', 'pgSub'));
    expect(f({ pod: OLD }, false).ids).toEqual(ids('oldPod', 'old')); // by UID, without a pod cache
    expect(f({ pod: 'shop/nope' })).toEqual({ ids: [], cgroups: [], unmatched: ['pod shop/nope: no such pod on this node'] });
  });

  it('podSelector: the pods whose labels match', () => {
    expect(f({ podSelector: 'app=web' }).ids).toEqual(ids('oldPod', 'old', 'webPod', 'web', 'envoy', 'pause'));
    expect(f({ podSelector: { app: 'web', gen: '1' } }).ids).toEqual(ids('oldPod', 'old'));
    expect(f({ podSelector: 'app=cache' }).unmatched).toEqual(['podSelector app=cache: no pod on this node matches']);
  });

  it('container: an id prefix (no pod cache needed) or a name from the pod specs', () => {
    expect(f({ container: 'aaaaaaaaaaaa' }, false).ids).toEqual(ids('web'));
    expect(f({ container: 'eeee' }, false).ids).toEqual(ids('docker'));
    expect(f({ container: 'pg' }).ids).toEqual(ids('pg', 'pgSub'));
    expect(f({ container: 'web' }).ids).toEqual(ids('web', 'old'));
    expect(() => f({ container: 'web' }, false)).toThrow(OwnerFilterError);
    expect(() => f({ container: 'web' }, false)).toThrow('container: container name "web" needs the Kubernetes pod cache');
  });

  it('cgroup: a path as /proc writes it, relative, or absolute under the mount', () => {
    const slice = statSync(join(root, 'system.slice'), { bigint: true }).ino;
    expect(f({ cgroup: '/system.slice' }, false).ids).toEqual([slice, ...ids('docker', 'nginx')].sort((a, b) => (a < b ? -1 : 1)));
    expect(f({ cgroup: 'system.slice/nginx.service' }, false).ids).toEqual(ids('nginx'));
    expect(f({ cgroup: join(root, PATHS.nginx) }, false).ids).toEqual(ids('nginx'));
    expect(f({ cgroup: '/nope' }, false).unmatched).toEqual([`cgroup /nope: no cgroup v2 directory ${root}/nope`]);
  });

  it('criteria are ANDed; bad input is an OwnerFilterError naming the field', () => {
    expect(f({ pod: 'shop/web-0', container: 'envoy' }).ids).toEqual(ids('envoy'));
    expect(f({ podSelector: 'app=web', container: 'web' }).ids).toEqual(ids('web', 'old'));
    expect(f({ pod: 'shop/web-0', container: 'pg' })).toEqual({ ids: [], cgroups: [], unmatched: ['the criteria match no cgroup together'] });
    expect(() => f({ pod: 'Shop/Web' })).toThrow('pod: "Shop/Web" is neither namespace/name nor a pod UID');
    expect(() => f({ podSelector: 'app in web' })).toThrow(/^podSelector: label selector/);
    expect(() => f({ pod: 'shop/web-0' }, false)).toThrow('pod: pod shop/web-0 needs the Kubernetes pod cache');
    expect(() => ownerCgroupIds({ podSelector: 'app=web' }, h, cache, { maxIds: 3 })).toThrow('podSelector: selects 6 cgroups, the kernel filter holds 3');
    expect(f({})).toEqual({ ids: [], cgroups: [], unmatched: [] });
  });
});
