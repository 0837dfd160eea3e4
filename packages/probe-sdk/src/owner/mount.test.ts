import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cgroup2Root, NoCgroup2Error, parseMountInfo, pickCgroup2Mount } from './mount.js';

// real mountinfo lines: a hybrid host (this project's development machine), a pure v2 host, an agent
// container with a cgroup namespace and the host's tree on a hostPath volume
const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;
const PURE = `25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;
const AGENT = `1510 1502 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate
1533 1502 0:27 / /host/sys/fs/cgroup ro,relatime master:4 - cgroup2 cgroup2 rw,nsdelegate
1540 1502 0:27 /kubepods.slice /host/odd\\040dir ro,relatime - cgroup2 cgroup2 rw`;

describe('cgroup v2 mount', () => {
  it('parses mountinfo, unescaping octal escapes', () => {
    expect(parseMountInfo(AGENT)).toEqual([
      { root: '/', mountPoint: '/sys/fs/cgroup', fsType: 'cgroup2' },
      { root: '/', mountPoint: '/host/sys/fs/cgroup', fsType: 'cgroup2' },
      { root: '/kubepods.slice', mountPoint: '/host/odd dir', fsType: 'cgroup2' },
    ]);
  });

  it('picks the unified tree on a hybrid host, /sys/fs/cgroup on a pure v2 host', () => {
    const isRoot = () => true;
    expect(pickCgroup2Mount(parseMountInfo(HYBRID), isRoot)).toBe('/sys/fs/cgroup/unified');
    expect(pickCgroup2Mount(parseMountInfo(PURE), isRoot)).toBe('/sys/fs/cgroup');
    expect(pickCgroup2Mount(parseMountInfo('31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw'), isRoot)).toBeNull();
  });

  it('in a container, prefers the host tree (the hierarchy root) over its own namespaced /sys/fs/cgroup', () => {
    expect(pickCgroup2Mount(parseMountInfo(AGENT), (d) => d === '/host/sys/fs/cgroup')).toBe('/host/sys/fs/cgroup');
    // without a way to tell, the conventional place wins
    expect(pickCgroup2Mount(parseMountInfo(AGENT), () => true)).toBe('/sys/fs/cgroup');
  });

  it('finds this machine’s mount; its root is the root cgroup (id 1, no cgroup.type)', () => {
    const root = cgroup2Root({});
    const mi = parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
    expect(mi.find((m) => m.mountPoint === root)?.fsType).toBe('cgroup2');
    expect(() => readFileSync(`${root}/cgroup.type`)).toThrow(/ENOENT/);
    expect(readFileSync(`${root}/cgroup.controllers`, 'utf8')).toBeTypeOf('string');
  });

  it('SONDE_CGROUP_ROOT: the directory itself, or its unified/ on a hybrid host; anything else is an error', () => {
    const root = cgroup2Root({});
    expect(cgroup2Root({ SONDE_CGROUP_ROOT: `${root}/` })).toBe(root);
    if (root.endsWith('/unified')) expect(cgroup2Root({ SONDE_CGROUP_ROOT: root.slice(0, -'/unified'.length) })).toBe(root);
    expect(() => cgroup2Root({ SONDE_CGROUP_ROOT: '/proc' })).toThrow(NoCgroup2Error);
    expect(() => cgroup2Root({ SONDE_CGROUP_ROOT: '/proc' })).toThrow('no cgroup v2 hierarchy: SONDE_CGROUP_ROOT=/proc is not a cgroup v2 directory');
  });
});
