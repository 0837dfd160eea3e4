/**
 * POST one OTLP/HTTP protobuf request with a bounded timeout per attempt, bounded attempts and an
 * overall deadline. Retries what the OTLP spec calls retryable (no answer, 429, 502, 503, 504, with
 * Retry-After when it fits the deadline); anything else fails at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export const MAX_ATTEMPTS = 3;
/** backoff before attempt 2, 3: 250 ms, 750 ms */
const BACKOFF_MS = [250, 750];
const RETRYABLE = new Set([429, 502, 503, 504]);

export interface SendOptions {
  headers: Record<string, string>;
  timeoutMs: number;
  /** epoch ms after which no attempt starts and a running one is cut */
  deadline: number;
  attempts?: number;
}

export interface SendResult {
  ok: boolean;
  attempts: number;
  /** the response body (a protobuf Export*ServiceResponse), when the collector answered 2xx */
  body?: Uint8Array;
  /** why it failed: the last attempt's error or status */
  reason?: string;
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'no answer in time';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message ?? 'fetch failed'}: ${cause}` : (e?.message ?? String(err));
}

export async function postOtlp(url: string, body: Uint8Array, opts: SendOptions): Promise<SendResult> {
  const max = opts.attempts ?? MAX_ATTEMPTS;
  let reason = 'not attempted: no time left';
  let attempts = 0;
  for (let i = 0; i < max; i++) {
    const left = opts.deadline - Date.now();
    if (left <= 50) break;
    attempts++;
    let retryAfterMs: number | undefined;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { ...opts.headers, 'Content-Type': 'application/x-protobuf' },
        body,
        signal: AbortSignal.timeout(Math.min(opts.timeoutMs, left)),
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (res.ok) return { ok: true, attempts, body: bytes };
      reason = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
      if (!RETRYABLE.has(res.status)) return { ok: false, attempts, reason };
      const ra = Number(res.headers.get('retry-after'));
      if (Number.isFinite(ra) && ra > 0) retryAfterMs = ra * 1000;
    } catch (err) {
      reason = describe(err);
    }
    if (i + 1 < max) {
      const wait = retryAfterMs ?? BACKOFF_MS[i] ?? 1000;
      if (Date.now() + wait >= opts.deadline - 50) break;
      await sleep(wait);
    }
  }
  return { ok: false, attempts, reason };
}
