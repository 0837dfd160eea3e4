/**
 * Owner filters in the job path over a node-like tmp tree (kubelet + containerd naming) and a pod
 * cache fed by the fake API: 400s that name the field, the id sets, their refresh when the pod cache
 * changes, owners attached to results, and groups for by pod / by container.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadParamsError, OwnerResolver, ownerGroups, PodCache, type ResultEnvelope } from '@sonde/probe-sdk';
import { FakeKubeApi, type FakePodSpec } from '../../probe-sdk/test/fake-kube-api.js';
import { EventBatch } from './event-batch.js';
import { attachResultOwners, OwnerFilterRefresh, ownerFilterIds } from './owners.js';

const hex = (c: string) => c.repeat(64);
const WEB = '11111111-1111-4111-8111-111111111111';
const DB = '22222222-2222-4222-8222-222222222222';
const POD = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${WEB.replace(/-/g, '_')}.slice`;
const DBPOD = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${DB.replace(/-/g, '_')}.slice`;
const PATHS = { pod: POD, web: `${POD}/cri-containerd-${hex('a')}.scope`, envoy: `${POD}/cri-containerd-${hex('b')}.scope`, dbPod: DBPOD, pg: `${DBPOD}/crio-${hex('c')}.scope` };
const web: FakePodSpec = { uid: WEB, name: 'web-0', namespace: 'shop', node: 'w1', labels: { app: 'web' }, containers: [{ name: 'web', containerID: `containerd://${hex('a')}` }, { name: 'envoy', containerID: `containerd://${hex('b')}` }] };
const db: FakePodSpec = { uid: DB, name: 'db-0', namespace: 'shop', node: 'w1', labels: { app: 'db' }, containers: [{ name: 'pg', containerID: `cri-o://${hex('c')}` }] };

describe('owner filters and owners in the job path', () => {
  const root = mkdtempSync(join(tmpdir(), 'sonde-owners-'));
  for (const p of Object.values(PATHS)) mkdirSync(join(root, p), { recursive: true });
  const id = (k: keyof typeof PATHS) => statSync(join(root, PATHS[k]), { bigint: true }).ino.toString();
  const api = new FakeKubeApi([web, db]);
  let pods: PodCache;
  let owners: OwnerResolver;
  beforeAll(async () => {
    await api.start();
    pods = new PodCache({ api: { apiUrl: api.url }, nodeName: 'w1' }).start();
    await pods.ready();
    owners = new OwnerResolver({ pods, hierarchyOptions: { root, minRefreshMs: 0 } });
  });
  afterAll(async () => {
    await pods.stop();
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });

  const refusal = (params: unknown) => {
    try {
      ownerFilterIds(params, owners);
    } catch (err) {
      expect(err).toBeInstanceOf(BadParamsError);
      return (err as BadParamsError).issues.map((i) => `${i.field}: ${i.message}`);
    }
    return [];
  };

  it('turns a filter into the cgroup ids of the pod and everything below it', () => {
    expect(ownerFilterIds({ pod: 'shop/web-0' }, owners)?.sort()).toEqual([id('pod'), id('web'), id('envoy')].sort());
    expect(ownerFilterIds({ podSelector: 'app=web', container: 'envoy' }, owners)).toEqual([id('envoy')]);
    expect(ownerFilterIds({ lport: [80] }, owners)).toBeUndefined();
  });

  it('answers 400 naming the field when a filter matches nothing or cannot be computed', () => {
    expect(refusal({ pod: 'shop/web-9' })).toEqual(['params.pod: pod shop/web-9: no such pod on this node (nothing to trace on this node)']);
    expect(refusal({ podSelector: 'app=cache' })).toEqual(['params.podSelector: podSelector app=cache: no pod on this node matches (nothing to trace on this node)']);
    expect(refusal({ container: 'redis' })).toEqual(['params.container: container redis: no container with that id prefix or name on this node (nothing to trace on this node)']);
    expect(refusal({ pod: 'shop/web-0', container: 'pg' })).toEqual(['params.container: the criteria match no cgroup together (nothing to trace on this node)']);
    // a process without a cgroup v2 mount has no owner resolution
    expect(() => ownerFilterIds({ pod: 'shop/web-0' }, undefined)).toThrow(/^pod: owner filters need the control plane's owner resolution/);
  });

  it('refreshes a running job’s set when the pod cache changes, and only then sends it', async () => {
    const sent: string[][] = [];
    const refresh = new OwnerFilterRefresh(owners, { tickMs: 60_000, walkMs: 60_000 });
    const start = ownerFilterIds({ podSelector: 'app in (web,db),!gone' }, owners)!;
    refresh.add('j1', { podSelector: 'app in (web,db),!gone' }, start, (x) => sent.push(x));
    await refresh.tick();
    expect(sent).toEqual([]); // nothing changed
    const gen = pods.generation;
    api.modify({ ...db, labels: { app: 'db', gone: 'yes' } });
    for (let i = 0; i < 200 && pods.generation === gen; i++) await new Promise((r) => setTimeout(r, 10));
    await refresh.tick();
    expect(sent).toEqual([[id('pod'), id('web'), id('envoy')].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))]);
    expect(refresh.updates).toBe(1);
    refresh.remove('j1');
    api.modify(db);
  });

  it('attaches owners to rows, keys and events, one resolution per distinct id', async () => {
    const result = { data: { rows: [{ cgroup: id('web'), n: 1 }, { cgroup: id('pg'), n: 2 }, { cgroup: '0', n: 3 }], key: { cgroup: id('pod') } }, warnings: [] } as unknown as ResultEnvelope;
    await attachResultOwners(result, owners);
    const d = result.data as { rows: Array<{ owner?: { pod?: string; container?: string } }>; key: { owner?: { pod?: string; container?: string } } };
    expect(d.rows.map((r) => r.owner && `${r.owner.pod}/${r.owner.container ?? '-'}`)).toEqual(['web-0/web', 'db-0/pg', undefined]);
    expect(d.key.owner).toMatchObject({ pod: 'web-0' });
    const batch = EventBatch.of([{ cgroup: id('envoy') }, { cgroup: id('envoy') }]).ownersFrom(owners);
    expect(batch.ownersAttached).toBe(false);
    await batch.ready();
    expect(batch.events().map((e) => (e as { owner?: { container?: string } }).owner?.container)).toEqual(['envoy', 'envoy']);
  });

  it('groups cgroups by pod (to the pod’s own cgroup) and by container', async () => {
    const byPod = await ownerGroups([id('web'), id('envoy'), id('pg'), '0'], 'pod', owners);
    expect(Object.fromEntries(byPod)).toEqual({
      [id('web')]: { key: 'shop/web-0', cgroup: id('pod') },
      [id('envoy')]: { key: 'shop/web-0', cgroup: id('pod') },
      [id('pg')]: { key: 'shop/db-0', cgroup: id('dbPod') },
      '0': { key: '(no socket cgroup)', cgroup: '0' },
    });
    const byContainer = await ownerGroups([id('web'), id('envoy')], 'container', owners);
    expect([...byContainer.values()].map((g) => g.key)).toEqual(['shop/web-0/web', 'shop/web-0/envoy']);
  });
});
