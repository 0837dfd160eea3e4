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
 */
import {
  attachOwners,
  BadParamsError,
  cgroup2Root,
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
