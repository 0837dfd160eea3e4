/**
 * The id → path cache over a directory tree laid out like a kubelet node (a plain tmp directory:
 * the walker only reads directories and their inode numbers, as on cgroupfs), with a fake clock for
 * the refresh throttle, the negative cache and the retention of vanished cgroups.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CgroupHierarchy, normalizeCgroupPath } from './hierarchy.js';

const CID = 'c'.repeat(64);
const UID_ = '5d6e7f80_1a2b_4c3d_8e9f_0a1b2c3d4e5f';
const POD = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`;

describe('CgroupHierarchy', () => {
  const root = mkdtempSync(join(tmpdir(), 'sonde-cg-'));
  const mk = (p: string) => mkdirSync(join(root, p), { recursive: true });
  const ino = (p: string) => statSync(join(root, p), { bigint: true }).ino;
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mk(`${POD}/cri-containerd-${CID}.scope`);
  mk('/system.slice/nginx.service');
  let t = 1_000_000;
  const h = new CgroupHierarchy({ root, now: () => t, minRefreshMs: 1000, negativeTtlMs: 5000, retainMs: 60_000 });

  it('walks the tree once on the first miss and resolves ids to paths and names', () => {
    const e = h.byId(ino(`${POD}/cri-containerd-${CID}.scope`));
    expect(e).toMatchObject({ path: `${POD}/cri-containerd-${CID}.scope`, naming: { runtime: 'containerd', containerId: CID, podUid: UID_.replace(/_/g, '-'), qos: 'burstable' } });
    expect(h.byId(ino('/system.slice/nginx.service'))?.naming).toEqual({ runtime: 'systemd', unit: 'nginx.service' });
    expect(h.byId(ino('/'))?.path).toBe('/');
    expect(h.stats).toMatchObject({ walks: 1, lastWalkEntries: 7, truncated: false, hits: 2, misses: 1 });
    expect(h.byId(String(ino('/system.slice')))?.path).toBe('/system.slice'); // decimal strings, as events carry them
  });

  it('a miss walks again at most once per minRefreshMs; unknown ids are cached as unknown', () => {
    mk('/system.slice/late.service');
    const late = ino('/system.slice/late.service');
    t += 10;
    expect(h.byId(late)).toBeUndefined(); // throttled: a walk ran 10 ms ago
    expect(h.stats.throttled).toBe(1);
    t += 1000;
    expect(h.byId(late)?.path).toBe('/system.slice/late.service');
    expect(h.stats.walks).toBe(2);
    t += 1000;
    expect(h.byId(999_999_999n)).toBeUndefined(); // walks, still unknown → negative
    expect(h.stats.walks).toBe(3);
    t += 2000;
    expect(h.byId(999_999_999n)).toBeUndefined();
    expect(h.stats).toMatchObject({ walks: 3, negativeHits: 1 });
    t += 5000; // negative entry expired: walks again
    expect(h.byId(999_999_999n)).toBeUndefined();
    expect(h.stats.walks).toBe(4);
  });

  it('keeps a vanished cgroup resolvable for retainMs (late events of a dead container), then forgets it', () => {
    const gone = ino('/system.slice/late.service');
    rmSync(join(root, 'system.slice/late.service'), { recursive: true });
    t += 2000;
    h.refresh();
    expect(h.byId(gone)?.path).toBe('/system.slice/late.service');
    t += 61_000;
    h.refresh();
    expect(h.byPath('/system.slice/late.service')).toBeUndefined();
    t += 10_000;
    expect(h.byId(gone)).toBeUndefined();
  });

  it('byPath: from the cache or one stat; subtree: a cgroup and its descendants', () => {
    expect(h.byPath(`${POD.slice(1)}/`)?.naming).toMatchObject({ runtime: 'kubelet', qos: 'burstable' });
    expect(h.byPath('/nope')).toBeUndefined();
    expect(h.subtree(POD).map((e) => e.path)).toEqual(expect.arrayContaining([POD, `${POD}/cri-containerd-${CID}.scope`]));
    expect(h.subtree(POD)).toHaveLength(2);
    expect(() => h.byPath('/a/../b')).toThrow('must not contain ..');
  });

  it('bounds the walk by depth and by entries', () => {
    mk('/d1/d2/d3/d4/d5');
    const shallow = new CgroupHierarchy({ root, maxDepth: 2 });
    shallow.refresh();
    expect(shallow.stats.truncated).toBe(true);
    expect(shallow.entries().some((e) => e.path === '/d1/d2')).toBe(true);
    expect(shallow.entries().some((e) => e.path === '/d1/d2/d3')).toBe(false);
    const few = new CgroupHierarchy({ root, maxEntries: 3 });
    few.refresh();
    expect(few.stats).toMatchObject({ lastWalkEntries: 3, truncated: true });
    expect(few.size).toBe(3);
  });

  it('normalizes paths', () => {
    expect(normalizeCgroupPath('a//b/')).toBe('/a/b');
    expect(normalizeCgroupPath('/')).toBe('/');
    expect(normalizeCgroupPath('./a')).toBe('/a');
  });
});

describe('CgroupHierarchy, async walks', () => {
  const root = mkdtempSync(join(tmpdir(), 'sonde-cga-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  for (let i = 0; i < 300; i++) mkdirSync(join(root, `kubepods/besteffort/pod${String(i).padStart(8, '0')}-0000-4000-8000-000000000000/${'a'.repeat(63)}${i % 10}`), { recursive: true });

  it('walks in slices with the event loop free in between; concurrent misses share one walk', async () => {
    const h = new CgroupHierarchy({ root, minRefreshMs: 0 });
    const target = statSync(join(root, `kubepods/besteffort/pod00000299-0000-4000-8000-000000000000`), { bigint: true }).ino;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const [a, b] = await Promise.all([h.byIdAsync(target), h.byIdAsync(target)]);
    clearInterval(timer);
    expect(a?.naming).toEqual({ runtime: 'kubelet', podUid: '00000299-0000-4000-8000-000000000000', qos: 'besteffort' });
    expect(b).toBe(a);
    expect(h.stats.walks).toBe(1);
    expect(h.stats.lastWalkEntries).toBe(603);
    expect(ticks).toBeGreaterThan(0); // timers ran during the walk
    expect(await h.byIdAsync(1n)).toBeUndefined();
    expect(h.stats.walks).toBe(2);
  });
});
