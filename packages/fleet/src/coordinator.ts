/**
 * The coordinator: one fleet job = one agent job per selected node, started in parallel with the
 * same body, polled, and merged once every node has ended. Partial failure is data, not an
 * exception: each node carries its status and, when it failed, why; the merged result is that of
 * the nodes that answered. Fleet jobs live in memory (the agents hold the durable copies).
 */
import { randomBytes } from 'node:crypto';
import { sondeClient, type Job, type ResultEnvelope, type SondeClient } from '@sonde/client';
import { parseJobRequest } from '@sonde/control-api/job-service';
import { select, type Agent, type Discovery } from './agents.js';
import { mergeData } from './merge.js';
import { mergeKernel } from './merge-kernel.js';
import { nameRemotes, placementOf, PlacementError, type Placement } from './placement.js';
import type { OutputShape, PodCache, ServiceCache } from '@sonde/probe-sdk';

export type NodeStatus = 'queued' | 'running' | 'succeeded' | 'stopped' | 'failed' | 'interrupted';
const ENDED: readonly string[] = ['succeeded', 'stopped', 'failed', 'interrupted'];

export interface FleetNode {
  node: string;
  url: string;
  status: NodeStatus;
  /** why the node failed: the agent's problem, the job's error, or the transport error */
  error?: string;
  /** the agent's own job id: GET {url}/v1/jobs/{jobId} for the node's unmerged result */
  jobId?: string;
  labels?: Record<string, string>;
}

/** an agent's job request (POST /v1/jobs's body) plus which agents run it */
export interface CreateBody {
  probe: string;
  durationMs: number;
  params: Record<string, unknown>;
  budget?: unknown;
  export?: unknown;
  selector?: string | undefined;
  nodes?: string[] | undefined;
}

/** the coordinator's own keys of a create body; the rest is the agents' job request */
const FLEET_KEYS = ['selector', 'nodes'] as const;

export interface FleetJob extends Omit<Job, 'result'> {
  result: ResultEnvelope | null;
  nodes: FleetNode[];
  /** true when some selected node contributed nothing (failed, unreachable) */
  partial: boolean;
  /** a job whose params name pods: the nodes they run on (the only ones it went to) and why */
  placement?: Placement;
}

interface NodeState extends FleetNode {
  misses: number;
  agentJob?: Job;
}

interface State {
  job: FleetJob;
  nodes: NodeState[];
}

export interface CoordinatorOptions {
  discovery: Discovery;
  /** bearer token for the agents */
  token?: string | undefined;
  /** per-request timeout to an agent, ms */
  requestTimeoutMs?: number;
  /** consecutive failed polls before a running node counts as failed */
  maxMisses?: number;
  /** fleet jobs kept in memory */
  keepJobs?: number;
  /** the cluster's pods (placement.ts): pod-selected jobs go to their nodes; remote addresses get pod names */
  pods?: PodCache | undefined;
  /** the cluster's Services (placement.ts): remote addresses that are a Service's get its name */
  services?: ServiceCache | undefined;
}

export class FleetProblem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

/** the reason of a failed fetch, as an operator wants to read it */
export function describeFailure(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string }; status?: number; problem?: Record<string, unknown> };
  if (e?.problem) {
    const type = String(e.problem.type ?? '').split('/').pop();
    return `HTTP ${e.status} ${type}: ${e.problem.detail ?? e.message}`;
  }
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer in time (${e.message})`;
  if (e?.cause?.code) return `${e.cause.code}: ${e.cause.message ?? e.message}`;
  return e?.message ?? String(err);
}

const fleetId = (): string => `f_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;

export class Coordinator {
  private readonly jobs = new Map<string, State>();
  private readonly clients = new Map<string, SondeClient>();
  private readonly timeoutMs: number;
  private readonly maxMisses: number;

  constructor(private readonly opts: CoordinatorOptions) {
    this.timeoutMs = opts.requestTimeoutMs ?? 5000;
    this.maxMisses = opts.maxMisses ?? 2;
  }

  get discovery(): Discovery {
    return this.opts.discovery;
  }

  client(url: string): SondeClient {
    let c = this.clients.get(url);
    if (!c) {
      c = sondeClient(url, { token: this.opts.token });
      this.clients.set(url, c);
    }
    return c;
  }

  async agents(): Promise<Agent[]> {
    try {
      return await this.opts.discovery.agents();
    } catch (err) {
      throw new FleetProblem(503, 'discovery-failed', `cannot list the agents (${this.opts.discovery.kind}): ${describeFailure(err)}`);
    }
  }

  /** call an agent: the data, or throws with the problem/transport error */
  private async call<T>(fn: (c: SondeClient, signal: AbortSignal) => Promise<{ data?: unknown; error?: unknown; response: Response }>, url: string): Promise<T> {
    const r = await fn(this.client(url), AbortSignal.timeout(this.timeoutMs));
    if (r.error !== undefined || !r.response.ok) {
      const problem = (r.error && typeof r.error === 'object' ? r.error : { detail: String(r.error ?? '') }) as Record<string, unknown>;
      throw Object.assign(new Error(String(problem.detail ?? `HTTP ${r.response.status}`)), { status: r.response.status, problem });
    }
    return r.data as T;
  }

  async create(body: CreateBody): Promise<FleetJob> {
    // the job request every agent gets, checked as the agents' job service checks it (BadParamsError)
    const agentBody = parseJobRequest(body, FLEET_KEYS);
    const all = await this.agents();
    let picked: Agent[];
    try {
      picked = select(all, body.selector, body.nodes);
    } catch (err) {
      throw new FleetProblem(400, 'bad-params', (err as Error).message, { errors: [{ field: 'selector', message: (err as Error).message }] });
    }
    if (picked.length === 0) {
      throw new FleetProblem(422, 'no-agents', `no agent matches (${all.length} discovered via ${this.opts.discovery.kind}${body.selector ? `, selector '${body.selector}'` : ''})`, {
        discovered: all.map((a) => a.node),
      });
    }
    // a job that names pods goes only where they run
    let placement: Placement | null;
    try {
      placement = placementOf(agentBody.params, this.opts.pods);
    } catch (err) {
      if (!(err instanceof PlacementError)) throw err;
      throw new FleetProblem(400, 'bad-params', err.message, { errors: [{ field: `params.${err.field}`, message: err.message }] });
    }
    if (placement) {
      const where = placement;
      picked = picked.filter((a) => where.nodes.includes(a.node));
      if (picked.length === 0) {
        throw new FleetProblem(422, 'no-agents', `${where.why}, where no selected agent runs`, { discovered: all.map((a) => a.node), placement: where });
      }
    }
    const failures: Array<{ status?: number; problem?: Record<string, unknown> }> = [];
    const nodes = await Promise.all(
      picked.map(async (a): Promise<NodeState> => {
        const base = { node: a.node, url: a.url, labels: a.labels, misses: 0 };
        try {
          const job = await this.call<Job>((c, signal) => c.POST('/v1/jobs', { body: agentBody as never, signal }), a.url);
          return { ...base, status: job.status, jobId: job.id, agentJob: job };
        } catch (err) {
          failures.push(err as { status?: number; problem?: Record<string, unknown> });
          return { ...base, status: 'failed', error: `start: ${describeFailure(err)}` };
        }
      }),
    );
    const view = (n: NodeState): FleetNode => ({ node: n.node, url: n.url, status: n.status, ...(n.error ? { error: n.error } : {}), ...(n.jobId ? { jobId: n.jobId } : {}), labels: n.labels ?? {} });
    if (!nodes.some((n) => n.jobId)) {
      // nobody started it: answer like an agent would (a 400 for bad params on every node is a 400)
      // (agents that could not be reached are in `nodes`; the answer is what the others said)
      const answered = failures.filter((x) => x.status !== undefined);
      const f = answered[0];
      const same = f?.status && f.status < 500 && answered.every((x) => x.status === f.status);
      const p = same ? (f.problem ?? {}) : {};
      throw new FleetProblem(same ? f.status! : 502, same ? String(p.type ?? 'bad-params').split('/').pop()! : 'agents-failed', same ? String(p.detail ?? 'rejected') : 'no agent accepted the job', {
        ...(same && p.errors ? { errors: p.errors } : {}),
        nodes: nodes.map(view),
      });
    }
    const first = nodes.find((n) => n.agentJob)!.agentJob!;
    const id = fleetId();
    const job: FleetJob = {
      id,
      probe: agentBody.probe,
      probeVersion: first.probeVersion,
      params: first.params,
      durationMs: agentBody.durationMs,
      status: 'queued',
      createdAt: new Date().toISOString(),
      attachedAt: null,
      endedAt: null,
      variant: first.variant,
      result: null,
      error: null,
      nodes: [],
      partial: false,
      ...(placement ? { placement } : {}),
    };
    const state = { job, nodes };
    this.jobs.set(id, state);
    this.summarize(state);
    this.trim();
    return this.view(state);
  }

  private trim(): void {
    const keep = this.opts.keepJobs ?? 1000;
    for (const id of this.jobs.keys()) {
      if (this.jobs.size <= keep) break;
      this.jobs.delete(id);
    }
  }

  private view(s: State): FleetJob {
    return {
      ...s.job,
      nodes: s.nodes.map((n) => ({ node: n.node, url: n.url, status: n.status, ...(n.error ? { error: n.error } : {}), ...(n.jobId ? { jobId: n.jobId } : {}), labels: n.labels ?? {} })),
    };
  }

  /** poll every node that has not ended; a node that cannot be reached maxMisses times in a row failed */
  private async refresh(s: State): Promise<void> {
    await Promise.all(
      s.nodes
        .filter((n) => n.jobId && !ENDED.includes(n.status))
        .map(async (n) => {
          try {
            const job = await this.call<Job>((c, signal) => c.GET('/v1/jobs/{id}', { params: { path: { id: n.jobId! } }, signal }), n.url);
            n.misses = 0;
            n.agentJob = job;
            n.status = job.status;
            delete n.error;
            if (job.status === 'failed' || job.status === 'interrupted') n.error = job.error ? `${job.error.type}: ${job.error.message}` : `job ${job.status} on the agent`;
          } catch (err) {
            const status = (err as { status?: number }).status;
            n.error = `poll: ${describeFailure(err)}`;
            // the agent answered but is busy (its per-token rate limit): try again next round
            if (status === 429) return;
            n.misses++;
            const gone = status === 404;
            if (gone || n.misses >= this.maxMisses) n.status = 'failed';
          }
        }),
    );
    this.summarize(s);
  }

  /** fleet status, times and, once every node has ended, the merged result */
  private summarize(s: State): void {
    const { job, nodes } = s;
    const attached = nodes.map((n) => n.agentJob?.attachedAt).filter((t): t is string => !!t).sort();
    job.attachedAt = attached[0] ?? null;
    if (job.endedAt) return;
    if (nodes.some((n) => !ENDED.includes(n.status))) {
      job.status = nodes.some((n) => n.status === 'running') ? 'running' : 'queued';
      return;
    }
    const answered = nodes.filter((n) => n.agentJob?.result && (n.status === 'succeeded' || n.status === 'stopped'));
    job.partial = answered.length < nodes.length;
    job.endedAt = new Date().toISOString();
    if (answered.length === 0) {
      job.status = 'failed';
      job.error = { type: 'all-nodes-failed', message: nodes.map((n) => `${n.node}: ${n.error ?? n.status}`).join('; ') };
      return;
    }
    job.status = answered.some((n) => n.status === 'stopped') ? 'stopped' : 'succeeded';
    job.result = this.mergeResults(job, answered, nodes);
  }

  private mergeResults(job: FleetJob, answered: NodeState[], all: NodeState[]): ResultEnvelope {
    const rs = answered.map((n) => ({ node: n.node, r: n.agentJob!.result! }));
    const r0 = rs[0]!.r;
    // the probe's declaration, as the agents' results carry it (an older agent's: the kind alone)
    const shape = (r0.shape as OutputShape | undefined) ?? r0.kind;
    const uniq = (xs: Array<string | null | undefined>) => [...new Set(xs.filter((x): x is string => !!x))];
    const warnings = [
      ...rs.flatMap(({ node, r }) => r.warnings.map((w) => `${node}: ${w}`)),
      ...all.filter((n) => !answered.includes(n)).map((n) => `${n.node}: no result (${n.status}${n.error ? `: ${n.error}` : ''})`),
    ];
    const stopped = rs.map(({ r }) => r.stoppedBy);
    const kernel = mergeKernel(rs.map(({ node, r }) => ({ node, kernel: r.kernel })));
    return {
      jobId: job.id,
      probe: r0.probe,
      probeVersion: uniq(rs.map(({ r }) => r.probeVersion)).join(','),
      params: r0.params,
      host: {
        hostname: `fleet:${rs.map(({ node }) => node).join(',')}`,
        kernel: uniq(rs.map(({ r }) => r.host.kernel)).join(','),
      },
      variant: uniq(rs.map(({ r }) => r.variant)).join(',') || null,
      startedAt: rs.map(({ r }) => r.startedAt).sort()[0]!,
      endedAt: rs.map(({ r }) => r.endedAt).sort().at(-1)!,
      durationMs: Math.max(...rs.map(({ r }) => r.durationMs)),
      stoppedBy: stopped.find((x) => x !== 'deadline') ?? 'deadline',
      kind: r0.kind,
      ...(r0.shape ? { shape: r0.shape } : {}),
      data: this.named(
        mergeData(
          shape,
          rs.map(({ node, r }) => ({ node, data: r.data })),
        ),
      ),
      stats: {
        events: rs.reduce((a, { r }) => a + r.stats.events, 0),
        lost: rs.reduce((a, { r }) => a + r.stats.lost, 0),
        dropped: rs.reduce((a, { r }) => a + r.stats.dropped, 0),
        truncated: rs.some(({ r }) => r.stats.truncated),
      },
      warnings,
      ...(kernel ? { kernel } : {}),
    };
  }

  /** remote addresses the coordinator's pod and service caches know, named (`remotePod`, `remoteService`) */
  private named(data: unknown): unknown {
    nameRemotes(data, { pods: this.opts.pods, services: this.opts.services });
    return data;
  }

  async get(id: string): Promise<FleetJob | undefined> {
    const s = this.jobs.get(id);
    if (!s) return undefined;
    if (!s.job.endedAt) await this.refresh(s);
    return this.view(s);
  }

  async stop(id: string): Promise<FleetJob | undefined> {
    const s = this.jobs.get(id);
    if (!s) return undefined;
    if (s.job.endedAt) throw new FleetProblem(409, 'conflict', `job '${id}' already ended (${s.job.status})`, { status: s.job.status });
    await Promise.all(
      s.nodes
        .filter((n) => n.jobId && !ENDED.includes(n.status))
        .map(async (n) => {
          try {
            const job = await this.call<Job>((c, signal) => c.DELETE('/v1/jobs/{id}', { params: { path: { id: n.jobId! } }, signal }), n.url);
            n.agentJob = job;
            n.status = job.status;
          } catch (err) {
            if ((err as { status?: number }).status !== 409) n.error = `stop: ${describeFailure(err)}`;
          }
        }),
    );
    await this.refresh(s);
    return this.view(s);
  }

  async list(q: { status?: string; probe?: string; limit?: number }): Promise<FleetJob[]> {
    const states = [...this.jobs.values()].reverse();
    await Promise.all(states.filter((s) => !s.job.endedAt).map((s) => this.refresh(s)));
    return states
      .map((s) => this.view(s))
      .filter((j) => (!q.status || j.status === q.status) && (!q.probe || j.probe === q.probe))
      .slice(0, q.limit ?? 50);
  }

  /** poll running jobs in the background so results merge even when nobody asks */
  startPolling(everyMs = 1000): () => void {
    const t = setInterval(() => {
      for (const s of this.jobs.values()) if (!s.job.endedAt) void this.refresh(s).catch(() => {});
    }, everyMs);
    t.unref();
    return () => clearInterval(t);
  }

  /** every agent's probe catalogue: union (default) or intersection, with per-node availability */
  async probes(match: 'union' | 'intersection' = 'union'): Promise<{ probes: unknown[]; nodes: FleetNode[] }> {
    const agents = await this.agents();
    type Info = { name: string; available: boolean; variant?: string; reason?: string } & Record<string, unknown>;
    const answers = await Promise.all(
      agents.map(async (a) => {
        try {
          const r = await this.call<{ probes: Info[] }>((c, signal) => c.GET('/v1/probes', { signal }), a.url);
          return { a, probes: r.probes };
        } catch (err) {
          return { a, error: `probes: ${describeFailure(err)}` };
        }
      }),
    );
    const ok = answers.filter((x) => x.probes);
    const byName = new Map<string, { info: Info; nodes: Array<{ node: string; available: boolean; variant?: string; reason?: string; version: unknown }> }>();
    for (const { a, probes } of ok) {
      for (const p of probes!) {
        const e = byName.get(p.name) ?? { info: p, nodes: [] };
        e.nodes.push({ node: a.node, available: p.available, version: p.version, ...(p.variant ? { variant: p.variant } : {}), ...(p.reason ? { reason: p.reason } : {}) });
        byName.set(p.name, e);
      }
    }
    const probes = [...byName.values()]
      .map(({ info, nodes }) => {
        const availableOn = nodes.filter((n) => n.available).length;
        const everywhere = availableOn === ok.length && ok.length > 0;
        const firstReason = nodes.find((n) => !n.available)?.reason;
        const { reason: _r, ...rest } = info;
        return {
          ...rest,
          available: everywhere,
          ...(everywhere ? {} : { reason: firstReason ? `not on every node: ${firstReason}` : `missing on ${ok.length - nodes.length} node(s)` }),
          availableOn,
          nodes,
        };
      })
      .filter((p) => match === 'union' || p.available)
      .sort((x, y) => String(x.name).localeCompare(String(y.name)));
    return {
      probes,
      nodes: answers.map(({ a, error }) => ({ node: a.node, url: a.url, status: error ? 'failed' : 'succeeded', ...(error ? { error } : {}), labels: a.labels })),
    };
  }
}
