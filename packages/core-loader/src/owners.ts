/**
 * Owners in the job path, on the thread that holds the process's OwnerResolver (the control
 * plane's main thread; the CLI's for local runs):
 *
 *   ownerFilterIds       a job's container/pod/podSelector/cgroup → the cgroup ids its kernel map
 *                        starts with; 400 naming the field when malformed or when nothing matches
 *   OwnerFilterRefresh   the id sets of running jobs, recomputed when the pod cache changes (checked
 *                        every second) and after a walk of the cgroup tree every few seconds (new
 *                        containers), and sent to the job's worker when they changed
 *   attachResultOwners   `owner` on every object of a result that carries a `cgroup` id
 *   ownerResolution      the process's resolver: the cgroup v2 tree, plus a PodCache of this node's
 *                        pods in a cluster (the control plane's, and the CLI's in-process runs)
 */
import {
  attachOwners,
  BadParamsError,
  cgroup2Root,
  inClusterApi,
  PodCache,
  OwnerResolver,
  ownerCgroupIds,
  OwnerFilterError,
  ownerFilterOf,
  type OwnerFilterParams,
  type ResultEnvelope,
} from '@sonde/probe-sdk';

/** the filter field an `unmatched` line is about ("pod shop/x: no such pod" → pod) */
function fieldOf(f: OwnerFilterParams, line: string | undefined): keyof OwnerFilterParams {
  const word = line?.split(/\s/, 1)[0];
  if (word === 'container' || word === 'pod' || word === 'podSelector' || word === 'cgroup') return word;
  return (Object.keys(f)[0] as keyof OwnerFilterParams | undefined) ?? 'pod';
}

export interface OwnerResolution {
  owners: OwnerResolver | undefined;
  pods: PodCache | undefined;
  /** one line for the log: what is resolved, or why not */
  summary: string;
  stop(): Promise<void>;
}

/**
 * The process's owner resolution: one OwnerResolver over this host's cgroup v2 tree and — when the
 * process runs in a cluster with NODE_NAME (the downward API's spec.nodeName) and API access (the
 * in-cluster service account) — a PodCache of this node's pods, so owners name pods and containers and
 * the pod / podSelector / container-name filters work.
 */
export function ownerResolution(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = console.warn): OwnerResolution {
  let root: string;
  try {
    root = cgroup2Root();
  } catch (err) {
    return { owners: undefined, pods: undefined, summary: `owners off: ${(err as Error).message}`, stop: async () => {} };
  }
  const api = inClusterApi(env);
  const node = env.NODE_NAME;
  let pods: PodCache | undefined;
  if (node && api.apiUrl) {
    pods = new PodCache({ api: { ...api, apiUrl: api.apiUrl }, nodeName: node, onError: (err) => log(`sonde: pod watch: ${err.message}`) }).start();
  }
  const owners = new OwnerResolver({ hierarchyOptions: { root }, pods });
  const summary = pods
    ? `owners: cgroup v2 at ${root}, pods of node ${node} from ${api.apiUrl}`
    : `owners: cgroup v2 at ${root}; no pod names (${node ? 'no Kubernetes API in reach' : 'NODE_NAME unset'}): pods by UID, containers by id`;
  return { owners, pods, summary, stop: async () => pods?.stop() };
}

let local: OwnerResolver | null | undefined;

/**
 * The owner resolution of a process without a control plane (`sonde run` in-process): this host's
 * cgroup v2 tree, no pod names; one per process, made when first needed. Undefined without a v2 mount.
 */
export function localOwners(): OwnerResolver | undefined {
  if (local === undefined) {
    try {
      local = new OwnerResolver({ hierarchyOptions: { root: cgroup2Root() } });
    } catch {
      local = null;
    }
  }
  return local ?? undefined;
}

/** The ids an owner filter selects now (empty when nothing matches); throws OwnerFilterError. */
export function currentOwnerIds(f: OwnerFilterParams, owners: OwnerResolver, refresh = true): { ids: string[]; unmatched: string[] } {
  const r = ownerCgroupIds(f, owners.hierarchy, owners.pods, { refresh });
  return { ids: r.ids.map(String), unmatched: r.unmatched };
}

/**
 * The owner filter of a job's params as cgroup ids, or undefined when the params set none.
 * Throws BadParamsError naming `params.<field>`: a malformed filter, a name without a pod cache, more
 * than the kernel map holds, or a filter that matches nothing on this node.
 */
export function ownerFilterIds(params: unknown, owners: OwnerResolver | undefined): string[] | undefined {
  const f = ownerFilterOf(params);
  if (!f) return undefined;
  const field = fieldOf(f, undefined);
  if (!owners) {
    const message = `${field}: owner filters need the control plane's owner resolution (a cgroup v2 mount), which this process does not have`;
    throw new BadParamsError(message, [{ field: `params.${field}`, message }]);
  }
  let r: { ids: string[]; unmatched: string[] };
  try {
    r = currentOwnerIds(f, owners);
  } catch (err) {
    if (err instanceof OwnerFilterError) throw new BadParamsError(err.message, [{ field: `params.${err.field}`, message: err.message }]);
    throw err;
  }
  if (r.ids.length === 0) {
    const why = r.unmatched[0] ?? 'matches no cgroup on this node';
    const at = fieldOf(f, why);
    const message = `${why} (nothing to trace on this node)`;
    throw new BadParamsError(message, [{ field: `params.${at}`, message }]);
  }
  return r.ids;
}

interface Watched {
  filter: OwnerFilterParams;
  key: string;
  post: (ids: string[]) => void;
}

export interface OwnerRefreshOptions {
  /** how often the pod cache's generation is compared (default 1 000 ms) */
  tickMs?: number;
  /** how often the cgroup tree is walked again while owner-filtered jobs run (default 5 000 ms) */
  walkMs?: number;
}

/** Keeps running jobs' owner filter sets current. One per runner; a walk is shared by all jobs. */
export class OwnerFilterRefresh {
  private readonly jobs = new Map<string, Watched>();
  private timer: NodeJS.Timeout | null = null;
  private gen = -1;
  private lastWalk = 0;
  private busy = false;
  private readonly tickMs: number;
  private readonly walkMs: number;
  /** recomputations that changed a job's set (for tests and stats) */
  updates = 0;

  constructor(
    private readonly owners: OwnerResolver,
    opts: OwnerRefreshOptions = {},
  ) {
    this.tickMs = opts.tickMs ?? 1000;
    this.walkMs = opts.walkMs ?? 5000;
  }

  add(jobId: string, params: unknown, ids: readonly string[], post: (ids: string[]) => void): void {
    const filter = ownerFilterOf(params);
    if (!filter) return;
    this.jobs.set(jobId, { filter, key: ids.join(','), post });
    if (this.gen < 0) this.gen = this.owners.pods?.generation ?? 0;
    if (this.lastWalk === 0) this.lastWalk = Date.now();
    this.timer ??= setInterval(() => void this.tick(), this.tickMs).unref();
  }

  remove(jobId: string): void {
    this.jobs.delete(jobId);
    if (this.jobs.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** recompute now if the pod cache changed or a walk is due (force: always) */
  async tick(force = false): Promise<void> {
    if (this.busy || this.jobs.size === 0) return;
    const gen = this.owners.pods?.generation ?? 0;
    const now = Date.now();
    const walk = force || now - this.lastWalk >= this.walkMs;
    if (!walk && gen === this.gen) return;
    this.busy = true;
    try {
      await this.owners.hierarchy.refreshAsync();
      this.lastWalk = now;
      this.gen = gen;
      for (const job of this.jobs.values()) {
        let ids: string[];
        try {
          ids = currentOwnerIds(job.filter, this.owners, false).ids;
        } catch {
          continue; // e.g. more ids than the map holds: keep the set the job has
        }
        const key = ids.join(',');
        if (key === job.key) continue;
        job.key = key;
        this.updates++;
        job.post(ids);
      }
    } finally {
      this.busy = false;
    }
  }
}

/** `owner` on every object of a result's data (events included) that carries a `cgroup` id */
export async function attachResultOwners(result: ResultEnvelope, owners: OwnerResolver): Promise<void> {
  try {
    await attachOwners(result.data, owners);
  } catch (err) {
    result.warnings.push(`owners not attached: ${(err as Error).message}`);
  }
}
