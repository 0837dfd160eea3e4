/**
 * cgroup id → cgroup path, by walking the v2 hierarchy. On cgroup v2 a cgroup's id (what
 * bpf_get_current_cgroup_id() returns, and the socket's sk_cgrp_data cgroup's kn->id) is the inode
 * number of its directory (kernfs: ino == id where ino_t is 64 bits), so one stat per directory
 * builds the map. The kernel offers no id → path lookup short of open_by_handle_at.
 *
 * Bounds: the walk stops at maxDepth levels and maxEntries directories (stats.truncated says so); a
 * miss triggers a new walk at most once per minRefreshMs; an id still unknown after a walk is
 * remembered as unknown for negativeTtlMs (at most MAX_NEGATIVE ids); cgroups that vanished stay
 * resolvable for retainMs, because a socket outlives its container's last process (TIME_WAIT,
 * a close from a timer) and its late events still carry the old id. A walk costs a stat and a
 * readdir per cgroup (README.md: the bench's figures); refreshAsync/byIdAsync run it in slices of
 * WALK_SLICE directories so an event loop is never held for long.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { cgroup2Root } from './mount.js';
import { parseCgroupPath, type CgroupNaming } from './naming.js';

export interface CgroupEntry {
  /** cgroup id (= inode of the directory), decimal */
  id: string;
  /** path below the v2 root as /proc/<pid>/cgroup writes it ("/" for the root) */
  path: string;
  naming: CgroupNaming;
  /** Date.now() of the last walk that saw it */
  seen: number;
}

export interface CgroupHierarchyOptions {
  /** the v2 mount to walk (default: cgroup2Root()) */
  root?: string;
  /** directory levels below the root to descend (default 16; kubelet's deepest is 4) */
  maxDepth?: number;
  /** directories per walk (default 20 000) */
  maxEntries?: number;
  /** at most one walk per this many ms when ids are missing (default 1000) */
  minRefreshMs?: number;
  /** how long an id not found by a walk stays "unknown" without a new walk (default 10 000) */
  negativeTtlMs?: number;
  /** how long a vanished cgroup stays resolvable (default 60 000) */
  retainMs?: number;
  now?: () => number;
}

export interface CgroupHierarchyStats {
  walks: number;
  lastWalkMs: number;
  lastWalkEntries: number;
  /** the longest slice of the last walk between event-loop turns (refreshAsync; a sync walk is one slice) */
  lastWalkSliceMs: number;
  /** the last walk hit maxDepth or maxEntries */
  truncated: boolean;
  hits: number;
  misses: number;
  /** misses answered from the negative cache */
  negativeHits: number;
  /** misses answered "unknown" because a walk ran less than minRefreshMs ago */
  throttled: number;
}

const MAX_NEGATIVE = 4096;
/** directories per slice of an async walk (~1 ms of syscalls) */
const WALK_SLICE = 64;

/** the cgroup v2 path of a process, from /proc/<pid>/cgroup's "0::" line (null if gone or v1-only) */
export function procCgroupPath(pid: number | 'self'): string | null {
  try {
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    return line ? line.slice(3) : null;
  } catch {
    return null;
  }
}

export class CgroupHierarchy {
  readonly root: string;
  readonly stats: CgroupHierarchyStats = { walks: 0, lastWalkMs: 0, lastWalkEntries: 0, lastWalkSliceMs: 0, truncated: false, hits: 0, misses: 0, negativeHits: 0, throttled: 0 };
  private readonly byIdMap = new Map<string, CgroupEntry>();
  private readonly byPathMap = new Map<string, CgroupEntry>();
  private readonly negative = new Map<string, number>();
  private lastWalk = -Infinity;
  private inflight: Promise<CgroupHierarchyStats> | undefined;
  private readonly maxDepth: number;
  private readonly maxEntries: number;
  private readonly minRefreshMs: number;
  private readonly negativeTtlMs: number;
  private readonly retainMs: number;
  private readonly now: () => number;

  constructor(opts: CgroupHierarchyOptions = {}) {
    this.root = (opts.root ?? cgroup2Root()).replace(/\/+$/, '') || '/';
    this.maxDepth = opts.maxDepth ?? 16;
    this.maxEntries = opts.maxEntries ?? 20_000;
    this.minRefreshMs = opts.minRefreshMs ?? 1000;
    this.negativeTtlMs = opts.negativeTtlMs ?? 10_000;
    this.retainMs = opts.retainMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** the directory of a cgroup path ("/a/b" → <root>/a/b) */
  dirOf(path: string): string {
    return path === '/' ? this.root : `${this.root === '/' ? '' : this.root}${path}`;
  }

  /** Walk the whole hierarchy now (bounded), replacing the cache; returns the walk's stats. */
  refresh(): CgroupHierarchyStats {
    const steps = this.walk();
    let r = steps.next();
    while (!r.done) r = steps.next();
    return r.value;
  }

  /**
   * The same walk in slices of WALK_SLICE directories with the event loop free in between (a walk
   * of a 4 000-cgroup node is tens of ms of syscalls). Concurrent callers share one walk.
   */
  refreshAsync(): Promise<CgroupHierarchyStats> {
    this.inflight ??= (async () => {
      try {
        const steps = this.walk();
        let r = steps.next();
        while (!r.done) {
          await new Promise<void>((res) => setImmediate(res));
          r = steps.next();
        }
        return r.value;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  /** byId, but a miss waits for a sliced walk (refreshAsync) instead of walking synchronously. */
  async byIdAsync(id: bigint | number | string): Promise<CgroupEntry | undefined> {
    const k = typeof id === 'string' ? id : id.toString();
    const hit = this.byIdMap.get(k);
    if (hit) {
      this.stats.hits++;
      return hit;
    }
    if (!this.shouldWalk(k)) return undefined;
    await this.refreshAsync();
    return this.afterWalk(k);
  }

  private *walk(): Generator<void, CgroupHierarchyStats> {
    let busy = 0;
    let slice = 0;
    let t0 = performance.now();
    const now = this.now();
    let count = 0;
    let truncated = false;
    const stack: Array<[string, number]> = [['/', 0]];
    while (stack.length > 0) {
      const [path, depth] = stack.pop()!;
      if (count >= this.maxEntries) {
        truncated = true;
        break;
      }
      if (count > 0 && count % WALK_SLICE === 0) {
        const took = performance.now() - t0;
        busy += took;
        slice = Math.max(slice, took);
        yield;
        t0 = performance.now();
      }
      const dir = this.dirOf(path);
      let ino: bigint;
      try {
        ino = statSync(dir, { bigint: true }).ino;
      } catch {
        continue; // removed while we walked
      }
      count++;
      this.remember(ino.toString(), path, now);
      if (depth >= this.maxDepth) {
        truncated = true;
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(dir, { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => d.name);
      } catch {
        continue;
      }
      for (const n of names) stack.push([path === '/' ? `/${n}` : `${path}/${n}`, depth + 1]);
    }
    for (const [id, e] of this.byIdMap) {
      if (e.seen === now) continue;
      if (now - e.seen > this.retainMs || this.byIdMap.size > 2 * this.maxEntries) this.forget(id, e);
    }
    this.negative.clear();
    this.lastWalk = now;
    const took = performance.now() - t0;
    busy += took;
    slice = Math.max(slice, took);
    Object.assign(this.stats, { walks: this.stats.walks + 1, lastWalkMs: busy, lastWalkEntries: count, lastWalkSliceMs: slice, truncated });
    return { ...this.stats };
  }

  private remember(id: string, path: string, now: number): void {
    const old = this.byIdMap.get(id);
    if (old && old.path === path) {
      old.seen = now;
      return;
    }
    if (old) this.forget(id, old);
    const e: CgroupEntry = { id, path, naming: parseCgroupPath(path), seen: now };
    this.byIdMap.set(id, e);
    // a path removed and made again has a new id; the old id stays resolvable until retainMs
    this.byPathMap.set(path, e);
  }

  private forget(id: string, e: CgroupEntry): void {
    this.byIdMap.delete(id);
    if (this.byPathMap.get(e.path) === e) this.byPathMap.delete(e.path);
  }

  /**
   * The cgroup with this id: from the cache, else after a walk (at most one per minRefreshMs),
   * else undefined (and remembered as unknown for negativeTtlMs).
   */
  byId(id: bigint | number | string): CgroupEntry | undefined {
    const k = typeof id === 'string' ? id : id.toString();
    const e = this.byIdMap.get(k);
    if (e) {
      this.stats.hits++;
      return e;
    }
    if (!this.shouldWalk(k)) return undefined;
    this.refresh();
    return this.afterWalk(k);
  }

  /** a miss: false when the negative cache or the throttle answers it */
  private shouldWalk(k: string): boolean {
    this.stats.misses++;
    const now = this.now();
    const neg = this.negative.get(k);
    if (neg !== undefined && now - neg < this.negativeTtlMs) {
      this.stats.negativeHits++;
      return false;
    }
    if (now - this.lastWalk < this.minRefreshMs) {
      this.stats.throttled++;
      return false;
    }
    return true;
  }

  private afterWalk(k: string): CgroupEntry | undefined {
    const found = this.byIdMap.get(k);
    if (!found) {
      if (this.negative.size >= MAX_NEGATIVE) this.negative.clear();
      this.negative.set(k, this.now());
    }
    return found;
  }

  /** The cgroup at this path ("/a/b", as in /proc/<pid>/cgroup): from the cache, else one stat. */
  byPath(path: string): CgroupEntry | undefined {
    const p = normalizeCgroupPath(path);
    const cached = this.byPathMap.get(p);
    if (cached) return cached;
    try {
      const st = statSync(this.dirOf(p), { bigint: true });
      if (!st.isDirectory()) return undefined;
      this.remember(st.ino.toString(), p, this.now());
      return this.byPathMap.get(p);
    } catch {
      return undefined;
    }
  }

  /** Every cgroup known since the last walk (walk first when there was none). */
  entries(): CgroupEntry[] {
    if (this.stats.walks === 0) this.refresh();
    return [...this.byIdMap.values()];
  }

  /** The cgroup at `path` and every descendant known to the cache. */
  subtree(path: string): CgroupEntry[] {
    const p = normalizeCgroupPath(path);
    const prefix = p === '/' ? '/' : `${p}/`;
    return this.entries().filter((e) => e.path === p || e.path.startsWith(prefix));
  }

  get size(): number {
    return this.byIdMap.size;
  }
}

/** "/a/b" from "a/b", "/a/b/", "//a//b" */
export function normalizeCgroupPath(path: string): string {
  const parts = path.split('/').filter((p) => p.length > 0 && p !== '.');
  if (parts.includes('..')) throw new RangeError(`cgroup path ${path} must not contain ..`);
  return `/${parts.join('/')}`;
}
