/** Request and response schemas; each `.openapi('Name')` becomes a named component in openapi.json. */
import { z } from '@hono/zod-openapi';
import { requiredRole } from './auth.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'stopped', 'failed', 'interrupted'] as const;
export const OUTPUT_KINDS = ['histogram', 'events', 'report'] as const;

export const DEFAULT_DURATION_MS = 10_000;
export const MIN_DURATION_MS = 100;
/** the schema's ceiling; the configured limit (SONDE_MAX_DURATION_MS, default 600 000) is checked by the route */
export const MAX_DURATION_MS = 86_400_000;
export const DEFAULT_MAX_DURATION_MS = 600_000;

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'https://sonde.dev/problems/bad-params' }),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().openapi({ example: '/v1/jobs' }),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'bad-params: one entry per offending field, e.g. `params.rport`' }),
    hint: z.string().optional().openapi({ description: 'not-permitted: what would make it work' }),
  })
  .catchall(z.unknown())
  .openapi('Problem', { description: 'RFC 9457 problem document (application/problem+json)' });

export const JobStatusSchema = z.enum(JOB_STATUSES).openapi('JobStatus');
export const OutputKindSchema = z.enum(OUTPUT_KINDS).openapi('OutputKind');

export const OutputShapeSchema = z
  .object({
    kind: OutputKindSchema,
    fields: z.record(z.string(), z.unknown()).openapi({
      description:
        "each field of `data`: a role — 'key' (identifies its row), 'label', 'setting', or a figure 'count' | 'level' | 'max' | 'min' " +
        "(`{ count: 'bytes' }` with a unit) — or `{ histogram: unit }`, `{ fields: {...} }` (an object), `{ rows: {...}, sum?, series? }` " +
        '(rows merged by their keys), `{ events: { time?, summary?: { who?, flow?, what? }, warn? } }` (an event list: its wall-clock field, ' +
        'the fields of its one-line summary, when an event is a warning), `{ category: name, level? }` (counts by a category)',
      example: { total: 'count', reasons: { rows: { reason: 'key', count: 'count' }, sum: 'count' }, events: { events: { time: 'time' } } },
    }),
    histogram: z
      .object({ total: z.string().optional(), keyed: z.string().optional() })
      .optional()
      .openapi({ description: 'the histogram the result is about (`total`: a check\'s bare p99, the picture) and the rows holding it per key (`keyed`)' }),
    by: z.string().optional().openapi({ description: "the setting that names what rows' `key` field holds" }),
    aliases: z.record(z.string(), z.string()).optional().openapi({ description: 'names a check may use for a field', example: { drops: 'reasons' } }),
  })
  .openapi('OutputShape', {
    description: "a probe's output declaration (defineProbe's `output`): what each field of a result's `data` is — how fleet merge, checks, formats, OTLP and the web page read it",
  });

export const ProbeInfoSchema = z
  .object({
    name: z.string().openapi({ example: 'tcprtt' }),
    version: z.string().openapi({ example: '0.1.0' }),
    summary: z.string(),
    output: z.union([OutputKindSchema, z.null()]).openapi({ description: 'null when the manifest could not be read' }),
    shape: OutputShapeSchema.optional().openapi({ description: 'absent when the probe declares none (or could not be read)' }),
    paramsSchema: z.record(z.string(), z.unknown()).openapi({ description: "JSON schema of the probe's params" }),
    available: z.boolean(),
    reason: z.string().optional().openapi({ description: 'why the probe cannot run here' }),
    variant: z.string().optional().openapi({ description: 'the hook variant that would run here', example: 'tp_btf' }),
    verified: z.enum(['loaded', 'refused', 'not-verified']).optional().openapi({
      description: "loaded: the variant passed this kernel's verifier at discovery (loaded, not attached); refused: the verifier refused every fitting variant (see reason); not-verified: discovery lacked the privileges to try",
    }),
    cannotSee: z.array(z.string()).optional().openapi({ description: 'what the variant that would run here cannot see (absent when nothing)' }),
    refusedVariants: z
      .array(z.object({ variant: z.string(), program: z.string().optional(), hook: z.string().optional(), reason: z.string() }))
      .optional()
      .openapi({ description: "variants preferred to the one that runs, whose hooks exist here but whose programs this kernel's verifier refused (absent when the first fitting variant loads)" }),
    counters: z
      .object({
        pairs: z.array(z.object({ counter: z.string().openapi({ example: 'TcpExt.ListenOverflows' }), figure: z.string(), why: z.string(), gauge: z.literal(true).optional() })),
        none: z.string().optional().openapi({ description: 'why no kernel counter answers to its figures' }),
      })
      .optional()
      .openapi({ description: "the kernel counters (nstat names) that answer to the probe's figures; every result cross-checks them in kernel.counters" }),
    packageName: z.string().openapi({ example: '@sonde/probes-tcprtt' }),
  })
  .openapi('ProbeInfo');

export const ProbeListSchema = z.object({ probes: z.array(ProbeInfoSchema) }).openapi('ProbeList');

const JobErrorSchema = z
  .object({ type: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() })
  .openapi('JobError');

const CrossCheckSchema = z
  .object({
    counter: z.string().openapi({ example: 'TcpExt.ListenOverflows', description: "nstat's Group.Name; summed counters joined with '+'" }),
    figure: z.string().openapi({ example: 'overflows', description: "the probe's figure it answers to" }),
    traced: z.number(),
    delta: z.number().openapi({ description: "the counter's change over the job (a gauge: its value at the end)" }),
    expect: z.enum(['equal', 'atLeast', 'atMost', 'none']).openapi({ description: "what should hold for this job, delta against traced ('atLeast': delta >= traced); 'none' when its filters allow either way" }),
    agree: z.boolean().nullable().openapi({ description: 'null when nothing is expected' }),
    note: z.string().openapi({ description: 'why they may differ' }),
    gauge: z.literal(true).optional(),
  })
  .openapi('CrossCheck');

export const KernelReportSchema = z
  .object({
    counters: z.union([
      z
        .object({
          netns: z.number().openapi({ description: 'inode of the network namespace read' }),
          source: z.string().openapi({ example: '/proc/self/net' }),
          at: z.object({ start: z.string(), end: z.string() }).openapi({ description: 'the two reads: at attach, after detach' }),
          deltas: z.record(z.string(), z.number()).openapi({ description: 'every Tcp, TcpExt, Ip, IpExt, Icmp, Ip6, Icmp6 counter that moved', example: { 'Tcp.ActiveOpens': 7, 'Tcp.AttemptFails': 3 } }),
          crossChecks: z.array(CrossCheckSchema),
          noPairs: z.string().optional().openapi({ description: 'why no counter answers to this probe\'s figures' }),
        })
        .openapi('KernelCounters'),
      z.null(),
    ]),
    unavailable: z.string().optional().openapi({ description: 'why counters is null' }),
  })
  .openapi('KernelReport', {
    description: "the kernel's own SNMP/netstat counters (/proc/net/snmp, netstat, snmp6) of the namespace the job watched, read at attach and at the end, and the probe's cross-checks against them",
  });

export const OtlpExportSchema = z
  .object({
    destination: z.string(),
    status: z.enum(['pending', 'ok', 'failed']),
    startedAt: z.string(),
    tookMs: z.number().optional(),
    attempts: z.int().openapi({ description: 'HTTP attempts over all requests (each request at most 3)' }),
    metricPoints: z.int().openapi({ description: 'metric data points the collector accepted' }),
    logRecords: z.int().openapi({ description: 'log records (one per event) the collector accepted' }),
    rejected: z
      .object({ metricPoints: z.int(), logRecords: z.int(), message: z.string().optional() })
      .optional()
      .openapi({ description: 'what the collector answered it rejected (OTLP partial success)' }),
    reason: z.string().optional().openapi({ description: 'failed: the last error, e.g. "metrics: no answer in time (3 attempts)"' }),
  })
  .openapi('OtlpExport', { description: 'the OTLP export of a result: pending while it runs (at most 10 s), then ok or failed' });

export const ResultEnvelopeSchema = z
  .object({
    jobId: z.string(),
    probe: z.string(),
    probeVersion: z.string(),
    params: z.unknown(),
    host: z.object({ hostname: z.string(), kernel: z.string() }),
    variant: z.string().nullable(),
    startedAt: z.string(),
    endedAt: z.string(),
    durationMs: z.number(),
    stoppedBy: z.enum(['deadline', 'cancel', 'error', 'interrupted', 'budget']),
    kind: OutputKindSchema,
    shape: OutputShapeSchema.optional().openapi({ description: "the probe's output declaration: what each field of `data` is" }),
    data: z.unknown().openapi({ description: 'the probe output (histogram, events or report); null when none' }),
    stats: z.object({ events: z.number(), lost: z.number(), dropped: z.number(), truncated: z.boolean() }),
    warnings: z.array(z.string()),
    error: JobErrorSchema.optional(),
    budget: z
      .object({
        limit: z.object({ cpuPercent: z.number().optional(), cpuMs: z.number().optional() }),
        used: z.object({
          cpuMs: z.number().openapi({ description: "the programs' total run time (ms)" }),
          peakCpuPercent: z.number().openapi({ description: 'the highest 1 s-window share of one CPU' }),
          runCount: z.number(),
        }),
        exceeded: z.enum(['cpuPercent', 'cpuMs']).nullable(),
      })
      .optional()
      .openapi({ description: 'jobs started with a budget: the limit and what the programs used' }),
    kernel: KernelReportSchema.optional(),
    export: z.object({ otlp: OtlpExportSchema }).optional().openapi({ description: 'jobs that asked for an export' }),
  })
  .openapi('ResultEnvelope');

export const JobSchema = z
  .object({
    id: z.string().openapi({ example: 'j_01JDQ7ZK3M6W8X9Y0A1B2C3D4E', description: '`j_` + ULID: sorts by creation time' }),
    probe: z.string(),
    probeVersion: z.string(),
    params: z.unknown().openapi({ description: "params after the probe's schema applied its defaults" }),
    durationMs: z.int(),
    status: JobStatusSchema,
    createdAt: z.string(),
    attachedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    variant: z.string().nullable(),
    // a union, not .nullable(): a nullable $ref loses its null in the generated 3.1 document
    result: z.union([ResultEnvelopeSchema, z.null()]),
    error: z.union([JobErrorSchema, z.null()]),
  })
  .openapi('Job');

export const JobListSchema = z
  .object({
    jobs: z.array(JobSchema),
    nextCursor: z.string().nullable().openapi({ description: 'pass as `cursor` for the next page; null on the last' }),
  })
  .openapi('JobList');

export const BudgetSchema = z
  .strictObject({
    cpuPercent: z
      .number()
      .gt(0)
      .max(6400)
      .optional()
      .openapi({ description: "stop the job when its BPF programs use more than this % of one CPU over a 1 s window", example: 5 }),
    cpuMs: z
      .number()
      .gt(0)
      .max(86_400_000)
      .optional()
      .openapi({ description: "stop the job when its BPF programs' total run time exceeds this many ms", example: 200 }),
  })
  .refine((b) => b.cpuPercent !== undefined || b.cpuMs !== undefined, { message: 'set cpuPercent, cpuMs or both' })
  .openapi('Budget', {
    description:
      'kernel CPU budget: measured from the programs\' run_time_ns (kernel.bpf_stats_enabled, turned on while ' +
      'budgeted jobs run); over it, the job stops with stoppedBy "budget" and result.budget says by how much',
  });

export const ExportRequestSchema = z
  .strictObject({
    otlp: z.union([z.literal(true), z.string().min(1).max(64)]).openapi({
      description: "a destination's name from the server's configuration, or true for its default one",
      example: 'default',
    }),
  })
  .openapi('ExportRequest', {
    description:
      'send the result to an OpenTelemetry collector (OTLP/HTTP) once it is stored; destinations are configured on the ' +
      'server only. The outcome appears in result.export.otlp',
  });

export const CreateJobSchema = z
  .strictObject({
    probe: z.string().min(1).openapi({ example: 'tcprtt' }),
    durationMs: z
      .int()
      .min(MIN_DURATION_MS)
      .max(MAX_DURATION_MS)
      .default(DEFAULT_DURATION_MS)
      .openapi({ description: `the server's limit applies (SONDE_MAX_DURATION_MS, default ${DEFAULT_MAX_DURATION_MS})` }),
    params: z
      .record(z.string(), z.unknown())
      .default({})
      .openapi({ description: "checked against the probe's paramsSchema", example: { rport: 443 } }),
    budget: BudgetSchema.optional(),
    export: ExportRequestSchema.optional(),
  })
  .openapi('CreateJob');

export const JobIdParamSchema = z.object({
  id: z.string().min(1).openapi({ param: { name: 'id', in: 'path' }, example: 'j_01JDQ7ZK3M6W8X9Y0A1B2C3D4E' }),
});

export const ProbeNameParamSchema = z.object({
  name: z.string().min(1).openapi({ param: { name: 'name', in: 'path' }, example: 'tcprtt' }),
});

export const JobListQuerySchema = z.object({
  status: JobStatusSchema.optional().openapi({ param: { name: 'status', in: 'query' } }),
  probe: z.string().min(1).optional().openapi({ param: { name: 'probe', in: 'query' } }),
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ param: { name: 'limit', in: 'query' } }),
  cursor: z
    .string()
    .regex(/^j_[0-9A-HJKMNP-TV-Z]{26}$/, 'not a cursor from a previous page')
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' } }),
});

export const JobGetQuerySchema = z.object({
  format: z
    .enum(['json', 'text', 'markdown', 'slack'])
    .default('json')
    .openapi({
      param: {
        name: 'format',
        in: 'query',
        description:
          '`text`: the upstream tool layout of the result; `markdown`: headline, stats, compact histogram, top-N tables; ' +
          '`slack`: a Block Kit message (`{text, blocks}`)',
      },
    }),
});

export const HealthSchema = z
  .object({
    status: z.literal('ok'),
    uptimeS: z.number(),
    running: z.int(),
    version: z.string(),
    kernel: z.string(),
  })
  .openapi('Health');

type ProblemResponse = { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } };

/** Problem responses, for `createRoute({ responses })`; a status named twice gets both descriptions. */
export function problems(...codes: Array<[number, string]>): Record<number, ProblemResponse> {
  const out: Record<number, ProblemResponse> = {};
  for (const [code, description] of codes) {
    const had = out[code]?.description;
    out[code] = { description: had ? `${had}; ${description}` : description, content: { 'application/problem+json': { schema: ProblemSchema } } };
  }
  return out;
}

/**
 * A /v1/* route as the bearer-token guard (auth.ts) serves it once the server has tokens: its
 * responses gain the guard's problems, 401 without a valid token, 403 when the route needs more
 * than a viewer (auth's own `requiredRole`), 429 over the token's request rate.
 */
export function guarded<R extends { method: string; path: string; responses: object }>(route: R): R {
  if (!route.path.startsWith('/v1/')) throw new Error(`guarded: ${route.path} is not under /v1/, where the guard runs`);
  const role = requiredRole(route.method.toUpperCase(), route.path);
  const own = route.responses as Record<string, { description?: string }>;
  const guard = problems(
    [401, 'unauthorized: the server has tokens and the request carries no valid bearer token'],
    ...(role === 'viewer' ? [] : [[403, `not-permitted: the token's role is below ${role}`] as [number, string]]),
    [429, "rate-limited: over the token's request rate (see Retry-After)"],
  );
  const responses: Record<string, unknown> = { ...own };
  for (const [code, res] of Object.entries(guard)) {
    const had = own[code];
    responses[code] = had ? { ...had, description: `${had.description}; ${res.description}` } : res;
  }
  return { ...route, responses };
}
