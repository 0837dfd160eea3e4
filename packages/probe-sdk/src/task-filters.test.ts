import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cgroup2Root } from './owner/mount.js';
import { cgroup, cgroupId, cgroupPath } from './task-filters.js';

describe('cgroup filter paths', () => {
  const root = cgroup2Root();
  it('resolves below the v2 mount, also on hybrid hosts (/sys/fs/cgroup/unified)', () => {
    expect(cgroupPath('system.slice/x.service')).toBe(`${root}/system.slice/x.service`);
    expect(cgroupPath('/system.slice/x.service')).toBe(`${root}/system.slice/x.service`); // as /proc/<pid>/cgroup writes it
    expect(cgroupPath(`${root}/a`)).toBe(`${root}/a`);
    expect(cgroupId('/')).toBe(1n); // the root cgroup's id
    expect(cgroupId(root)).toBe(statSync(root, { bigint: true }).ino);
  });
  it('a path that is no v2 cgroup is a validation error', () => {
    expect(cgroup.safeParse('/no-such-cgroup-here').error?.issues[0]?.message).toBe(`no cgroup v2 directory at ${root}/no-such-cgroup-here`);
  });
});
