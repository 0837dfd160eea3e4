/**
 * Where the cgroup v2 hierarchy is mounted. Pure v2 hosts mount it at /sys/fs/cgroup; hybrid hosts
 * (v1 controllers plus the v2 "unified" tree, like this project's development machine) at
 * /sys/fs/cgroup/unified; an agent in a container sees the host's tree wherever its hostPath volume
 * puts it (the chart: /host/sys/fs/cgroup), next to its own namespaced /sys/fs/cgroup.
 *
 * bpf_get_current_cgroup_id() and the socket's cgroup id are always ids in the v2 (default)
 * hierarchy, so only cgroup2 mounts count. Among them the real root of the hierarchy wins: the root
 * cgroup has no `cgroup.type` file, every other cgroup (the one a cgroup namespace shows as "/") has.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface MountInfoEntry {
  mountPoint: string;
  /** the mounted directory inside its filesystem ("/" for a whole-hierarchy mount) */
  root: string;
  fsType: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Parse /proc/<pid>/mountinfo text (proc(5)): mount point, root and filesystem type of each line. */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const out: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 10 || sep < 0) continue;
    out.push({ root: unescape(f[3]!), mountPoint: unescape(f[4]!), fsType: f[sep + 1]! });
  }
  return out;
}

const PREFERRED = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'];

/**
 * The cgroup2 mount point to walk, from mountinfo text: whole-hierarchy mounts (root "/") first, then
 * those that are the hierarchy's real root (`isRoot`, default: no cgroup.type file), then
 * /sys/fs/cgroup, /sys/fs/cgroup/unified, then the shortest path. Null when no cgroup2 is mounted.
 */
export function pickCgroup2Mount(entries: MountInfoEntry[], isRoot: (dir: string) => boolean = (d) => !existsSync(`${d}/cgroup.type`)): string | null {
  const cands = entries.filter((e) => e.fsType === 'cgroup2');
  if (cands.length === 0) return null;
  const rank = (e: MountInfoEntry) => {
    const pref = PREFERRED.indexOf(e.mountPoint);
    return [e.root === '/' ? 0 : 1, isRoot(e.mountPoint) ? 0 : 1, pref < 0 ? PREFERRED.length : pref, e.mountPoint.length];
  };
  const ranked = cands.map((e) => ({ e, r: rank(e) }));
  ranked.sort((a, b) => {
    for (let i = 0; i < a.r.length; i++) if (a.r[i] !== b.r[i]) return a.r[i]! - b.r[i]!;
    return 0;
  });
  return ranked[0]!.e.mountPoint;
}

export class NoCgroup2Error extends Error {
  constructor(why: string) {
    super(`no cgroup v2 hierarchy: ${why}`);
    this.name = 'NoCgroup2Error';
  }
}

let cached: string | undefined;

/**
 * The cgroup v2 mount of this machine: $SONDE_CGROUP_ROOT when set (an agent in a container pointing
 * at the host's tree), else found in /proc/self/mountinfo once and remembered. Throws NoCgroup2Error.
 */
export function cgroup2Root(env: NodeJS.ProcessEnv = process.env): string {
  const forced = env.SONDE_CGROUP_ROOT;
  if (forced) {
    const dir = forced.replace(/\/+$/, '') || '/';
    // a hybrid host's /sys/fs/cgroup mounted whole: its v2 tree is the unified/ below it
    for (const d of [dir, `${dir}/unified`]) if (existsSync(`${d}/cgroup.procs`) && existsSync(`${d}/cgroup.subtree_control`)) return d;
    throw new NoCgroup2Error(`SONDE_CGROUP_ROOT=${forced} is not a cgroup v2 directory (no cgroup.subtree_control in it or in its unified/)`);
  }
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch (err) {
    throw new NoCgroup2Error(`cannot read /proc/self/mountinfo: ${(err as Error).message}`);
  }
  const mount = pickCgroup2Mount(parseMountInfo(text));
  if (!mount) throw new NoCgroup2Error('no cgroup2 filesystem in /proc/self/mountinfo (mount -t cgroup2 none /sys/fs/cgroup)');
  cached = mount;
  return mount;
}
