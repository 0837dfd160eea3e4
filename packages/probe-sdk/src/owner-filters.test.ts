import { describe, expect, it } from 'vitest';
import type { ProbeContext } from './kernel.js';
import { groupRows, ownerGroupCache, sumByOwner } from './owner-filters.js';

/** a context whose control plane groups cgroups 10 and 11 under one pod, asked through ownerGroups */
function ctx(asked: string[][]): ProbeContext {
  return {
    ownerGroups: async (ids: string[]) => {
      asked.push(ids);
      return new Map(ids.map((id) => [id, id === '10' || id === '11' ? { key: 'shop/web-0', cgroup: '9' } : { key: `/other/${id}`, cgroup: id }]));
    },
  } as unknown as ProbeContext;
}

describe('owner groups of interval probes', () => {
  it('asks the control plane once per new cgroup, and not at all without by', async () => {
    const asked: string[][] = [];
    const c = ownerGroupCache(ctx(asked), 'pod');
    await c.learn(['10', '12']);
    await c.learn(['10', '11', '12']);
    await c.learn([]);
    expect(asked).toEqual([['10', '12'], ['11']]);
    expect(Object.fromEntries(c.groups!)).toEqual({ '10': { key: 'shop/web-0', cgroup: '9' }, '11': { key: 'shop/web-0', cgroup: '9' }, '12': { key: '/other/12', cgroup: '12' } });
    const none = ownerGroupCache(ctx(asked), 'none');
    await none.learn(['13']);
    expect(none.groups).toBeUndefined();
    expect(asked).toHaveLength(2);
  });

  it('merges rows per group and identity, and sums figures per group', async () => {
    const c = ownerGroupCache(ctx([]), 'pod');
    await c.learn(['10', '11', '12']);
    const rows = [
      { cgroup: '10', slot: 1, bytes: 100 },
      { cgroup: '11', slot: 1, bytes: 50 },
      { cgroup: '11', slot: 2, bytes: 7 },
      { cgroup: '12', slot: 1, bytes: 1 },
    ];
    const merged = groupRows(rows.map((r) => ({ ...r })), c.groups!, (into, r) => (into.bytes += r.bytes), (r) => String(r.slot));
    expect(merged).toEqual([
      { cgroup: '9', slot: 1, bytes: 150, ownerKey: 'shop/web-0' },
      { cgroup: '9', slot: 2, bytes: 7, ownerKey: 'shop/web-0' },
      { cgroup: '12', slot: 1, bytes: 1, ownerKey: '/other/12' },
    ]);
    expect(sumByOwner(rows, c.groups!, ['bytes'], 'rows')).toEqual([
      { key: 'shop/web-0', cgroup: '9', bytes: 157, rows: 3 },
      { key: '/other/12', cgroup: '12', bytes: 1, rows: 1 },
    ]);
  });
});
