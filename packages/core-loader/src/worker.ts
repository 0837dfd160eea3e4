/**
 * The piscina worker: runs one job, talking to the runner over the MessagePort it was handed.
 * Messages out: {t:'attached'}, {t:'events'}, {t:'records'} (raw, decoded by the runner),
 * {t:'owner-groups', req, ids, by} (by: pod/container), {t:'done', outcome};
 * in: {t:'stop'}, {t:'owner-ids', ids} (a refreshed owner filter), {t:'owner-groups', req, groups}.
 * If this thread is terminated, the addon's environment cleanup hook closes the kernel objects.
 */
import type { MessagePort } from 'node:worker_threads';
import type { OwnerGroup } from '@sonde/probe-sdk';
import type { JobContext } from './context.js';
import { executeJob, type JobTask, type JobOutcome } from './execute.js';

export interface WorkerTask extends JobTask {
  port: MessagePort;
}

/** a view over all of its ArrayBuffer (so transferring the buffer moves nothing else) */
function ownsWholeBuffer(buf: Uint8Array): boolean {
  return buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer;
}

export default async function runTask(task: WorkerTask): Promise<JobOutcome> {
  const { port, ...job } = task;
  let stopRequested = false;
  let stop: () => void = () => {
    stopRequested = true;
  };
  let context: JobContext | undefined;
  let ownerIds: string[] | undefined;
  let reqs = 0;
  const asked = new Map<number, (groups: Map<string, OwnerGroup>) => void>();
  port.on('message', (m: { t?: string; ids?: string[]; req?: number; groups?: Array<[string, OwnerGroup]> }) => {
    if (m?.t === 'stop') stop();
    else if (m?.t === 'owner-ids' && m.ids) {
      ownerIds = m.ids;
      context?.setOwnerIds(m.ids);
    } else if (m?.t === 'owner-groups' && m.req !== undefined) {
      asked.get(m.req)?.(new Map(m.groups ?? []));
      asked.delete(m.req);
    }
  });
  try {
    const outcome = await executeJob(
      job,
      {
        attached: (variant, at) => port.postMessage({ t: 'attached', variant, at }),
        events: (batch) => port.postMessage({ t: 'events', batch }),
        // the consume buffer is the addon's fresh copy: hand it over instead of cloning it
        records: (buf, records) => port.postMessage({ t: 'records', buf, records }, ownsWholeBuffer(buf) ? [buf.buffer as ArrayBuffer] : []),
        ownerGroups: (ids, by) =>
          new Promise((resolve) => {
            const req = ++reqs;
            asked.set(req, resolve);
            port.postMessage({ t: 'owner-groups', req, ids, by });
          }),
      },
      (ctx) => {
        context = ctx;
        stop = () => ctx.stop();
        if (stopRequested) ctx.stop();
        if (ownerIds) ctx.setOwnerIds(ownerIds);
      },
    );
    port.postMessage({ t: 'done', outcome });
    return outcome;
  } finally {
    port.close();
  }
}
