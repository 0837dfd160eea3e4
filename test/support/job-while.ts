/**
 * A job that lasts as long as the traffic it watches: started, then stopped once the traffic's
 * processes are done (plus a short settle for the last segments in flight), instead of ending at a
 * fixed time. A slow machine — a TCG guest runs JavaScript ~15× slower — then sees all the traffic,
 * and the test's expectations stay the ground truth of what the traffic did.
 */
import { runJobInline, type Catalog } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';

export interface WhileOptions {
  catalog: Catalog;
  /** the job's hard limit: traffic that is not done by then fails the test (stoppedBy 'deadline') */
  maxMs?: number;
  /** after the traffic is done: the final ACKs and state changes of closing sockets */
  settleMs?: number;
}

export async function runWhile<D, T>(
  probe: string,
  params: Record<string, unknown>,
  traffic: () => Promise<T>,
  { catalog, maxMs = 240_000, settleMs = 300 }: WhileOptions,
): Promise<{ result: ResultEnvelope<D>; traffic: T }> {
  const stop = new AbortController();
  let talk: Promise<T> | undefined;
  const result = (await runJobInline(probe, params, {
    catalog,
    durationMs: maxMs,
    signal: stop.signal,
    onAttached: () => {
      talk = traffic();
      const end = () => setTimeout(() => stop.abort(), settleMs);
      talk.then(end, end);
    },
  })) as ResultEnvelope<D>;
  if (!talk) throw new Error(`${probe}: the job ended before it attached (${result.stoppedBy}: ${JSON.stringify(result.error ?? result.warnings)})`);
  return { result, traffic: await talk };
}
