/**
 * Jobs that asked for an OTLP export, and the exports themselves. The route registers a job with
 * `expect`; the runner's `done` hook stores the result first and then calls `done`, which records
 * `result.export.otlp = {status: 'pending'}` and sends in the background: the job's status and result
 * never wait for a collector. The outcome replaces the pending record when the export ends.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import type { JobStore } from '../store.js';
import { resolveDestination, type OtlpConfig, type OtlpDestination } from './config.js';
import { postOtlp } from './send.js';

/** an export's whole budget: every attempt of every request */
export const EXPORT_DEADLINE_MS = 10_000;

export interface OtlpExportOutcome {
  destination: string;
  status: 'pending' | 'ok' | 'failed';
  startedAt: string;
  /** from the start of the export to its outcome */
  tookMs?: number;
  /** HTTP attempts over all requests */
  attempts: number;
  /** metric data points and log records the collector accepted */
  metricPoints: number;
  logRecords: number;
  /** what the collector said it rejected (OTLP partial success) */
  rejected?: { metricPoints: number; logRecords: number; message?: string };
  reason?: string;
}

export interface OtlpExporterOptions {
  deadlineMs?: number;
}

const endpointUrl = (d: OtlpDestination, signal: 'metrics' | 'logs') => `${d.endpoint.replace(/\/+$/, '')}/v1/${signal}`;

export class OtlpExporter {
  private readonly wanted = new Map<string, OtlpDestination>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: JobStore,
    readonly config: OtlpConfig,
    private readonly opts: OtlpExporterOptions = {},
  ) {}

  /** the destination a request names (`true`: the default); throws a 400 problem naming the known ones */
  resolve(ask: true | string): OtlpDestination {
    return resolveDestination(this.config, ask);
  }

  /** the job `id` exports to `dest` when its result is stored */
  expect(id: string, dest: OtlpDestination): void {
    this.wanted.set(id, dest);
  }

  forget(id: string): void {
    this.wanted.delete(id);
  }

  /** The result of `id` is stored: start its export, if it asked for one. */
  done(id: string, result: ResultEnvelope): void {
    const dest = this.wanted.get(id);
    if (!dest) return;
    this.wanted.delete(id);
    const startedAt = new Date();
    this.record(id, { destination: dest.name, status: 'pending', startedAt: startedAt.toISOString(), attempts: 0, metricPoints: 0, logRecords: 0 });
    const p = this.run(dest, result, startedAt)
      .catch((err: unknown): OtlpExportOutcome => ({
        destination: dest.name,
        status: 'failed',
        startedAt: startedAt.toISOString(),
        attempts: 0,
        metricPoints: 0,
        logRecords: 0,
        reason: `could not build the export: ${(err as Error).message}`,
      }))
      .then((outcome) => this.record(id, outcome))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Wait for the exports in flight (at most `ms`): tests, and shutdown before the store closes. */
  async idle(ms = EXPORT_DEADLINE_MS + 1000): Promise<void> {
    const all = Promise.all([...this.inFlight]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  private record(id: string, outcome: OtlpExportOutcome): void {
    try {
      this.store.setExport(id, { otlp: outcome });
    } catch (err) {
      // the store closed under us (shutdown) or the job was pruned: nothing left to record on
      console.warn(`sonde: could not record the OTLP export of ${id}: ${(err as Error).message}`);
    }
  }

  private async run(dest: OtlpDestination, result: ResultEnvelope, startedAt: Date): Promise<OtlpExportOutcome> {
    const deadline = startedAt.getTime() + (this.opts.deadlineMs ?? EXPORT_DEADLINE_MS);
    // the OpenTelemetry SDK (~7 MB resident) is loaded at the first export, not by every server
    const [{ toOtlp }, { ProtobufLogsSerializer, ProtobufMetricsSerializer }] = await Promise.all([import('./map.js'), import('@opentelemetry/otlp-transformer')]);
    const payload = toOtlp(result);
    const out: OtlpExportOutcome = {
      destination: dest.name,
      status: 'ok',
      startedAt: startedAt.toISOString(),
      attempts: 0,
      metricPoints: 0,
      logRecords: 0,
    };
    const rejected = { metricPoints: 0, logRecords: 0, message: '' };
    const send = async (signal: 'metrics' | 'logs', body: Uint8Array | undefined) => {
      if (!body) throw new Error(`the ${signal} serializer produced nothing`);
      const r = await postOtlp(endpointUrl(dest, signal), body, { headers: dest.headers, timeoutMs: dest.timeoutMs, deadline });
      out.attempts += r.attempts;
      if (!r.ok) {
        out.status = 'failed';
        out.reason = `${signal}: ${r.reason ?? 'failed'} (${r.attempts} attempt${r.attempts === 1 ? '' : 's'})`;
      }
      return r;
    };

    const m = await send('metrics', ProtobufMetricsSerializer.serializeRequest(payload.metrics));
    if (m.ok) {
      const partial = partialSuccess(() => ProtobufMetricsSerializer.deserializeResponse(m.body ?? new Uint8Array()).partialSuccess);
      rejected.metricPoints = Number(partial?.rejectedDataPoints ?? 0);
      if (partial?.errorMessage) rejected.message = partial.errorMessage;
      out.metricPoints = payload.metricPoints - rejected.metricPoints;
      for (const batch of payload.logs) {
        await yieldToLoop(); // serialising thousands of records: let requests in between batches
        const l = await send('logs', ProtobufLogsSerializer.serializeRequest(batch));
        if (!l.ok) break;
        const lp = partialSuccess(() => ProtobufLogsSerializer.deserializeResponse(l.body ?? new Uint8Array()).partialSuccess);
        const rej = Number(lp?.rejectedLogRecords ?? 0);
        if (lp?.errorMessage) rejected.message = lp.errorMessage;
        rejected.logRecords += rej;
        out.logRecords += batch.length - rej;
      }
    }
    if (rejected.metricPoints || rejected.logRecords) {
      out.rejected = { metricPoints: rejected.metricPoints, logRecords: rejected.logRecords, ...(rejected.message ? { message: rejected.message } : {}) };
    }
    out.tookMs = Date.now() - startedAt.getTime();
    return out;
  }
}

/** an empty body is a full success; a body we cannot read is not the collector refusing anything */
function partialSuccess<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
