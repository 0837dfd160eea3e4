/** Build the common result envelope from what a job's worker reported. */
import type { OutputKind, OutputShape, ResultEnvelope, StoppedBy } from '@sonde/probe-sdk';
import type { EventKeeper } from './event-keeper.js';
import type { JobOutcome } from './execute.js';
import { hostInfo } from './host.js';

export interface EnvelopeInput {
  jobId: string;
  probe: string;
  probeVersion: string;
  params: unknown;
  kind: OutputKind;
  shape?: OutputShape | undefined;
  variant: string | null;
  startedAt: number;
  endedAt: number;
  stoppedBy: StoppedBy;
  data: unknown;
  events: number;
  lost: number;
  dropped?: number;
  truncated?: boolean;
  warnings: string[];
  error?: Record<string, unknown>;
}

export function buildEnvelope(i: EnvelopeInput): ResultEnvelope {
  const env: ResultEnvelope = {
    jobId: i.jobId,
    probe: i.probe,
    probeVersion: i.probeVersion,
    params: i.params,
    host: hostInfo(),
    variant: i.variant,
    startedAt: new Date(i.startedAt).toISOString(),
    endedAt: new Date(i.endedAt).toISOString(),
    durationMs: Math.max(0, i.endedAt - i.startedAt),
    stoppedBy: i.stoppedBy,
    kind: i.kind,
    ...(i.shape ? { shape: i.shape } : {}),
    data: i.data ?? null,
    stats: { events: i.events, lost: i.lost, dropped: i.dropped ?? 0, truncated: i.truncated ?? false },
    warnings: i.warnings,
  };
  if (i.error) {
    const e = i.error as { type?: string; message?: string; details?: Record<string, unknown> };
    env.error = { type: e.type ?? 'internal', message: e.message ?? 'job failed', ...(e.details ? { details: e.details } : {}) };
  }
  return env;
}

/** The envelope of a job from its worker's outcome. */
export function outcomeEnvelope(
  job: { jobId: string; probe: string; params: unknown },
  probe: { version: string; output: OutputKind | null; shape?: OutputShape },
  o: JobOutcome,
  keeper?: EventKeeper,
): ResultEnvelope {
  const streams = probe.output === 'events' && keeper !== undefined;
  const env = buildEnvelope({
    ...job,
    probeVersion: probe.version,
    kind: probe.output ?? 'report',
    shape: probe.shape,
    variant: o.variant,
    startedAt: o.startedAt,
    endedAt: o.endedAt,
    stoppedBy: o.stoppedBy,
    data: streams ? keeper.attach(o.data) : o.data,
    events: Math.max(o.events, keeper?.seen ?? 0),
    lost: o.lost,
    dropped: streams ? keeper.dropped : 0,
    truncated: streams ? keeper.dropped > 0 : false,
    warnings: o.warnings,
    ...(o.error ? { error: o.error } : {}),
  });
  if (o.budget) env.budget = o.budget;
  if (o.kernel) env.kernel = o.kernel;
  return env;
}
