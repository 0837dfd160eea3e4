/**
 * The piscina worker: runs one job, talking to the runner over the MessagePort it was handed.
 * Messages out: {t:'attached'}, {t:'events'}, {t:'records'} (raw, decoded by the runner), {t:'done', outcome};
 * in: {t:'stop'}.
 * If this thread is terminated, the addon's environment cleanup hook closes the kernel objects.
 */
import type { MessagePort } from 'node:worker_threads';
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
  port.on('message', (m: { t?: string }) => {
    if (m?.t === 'stop') stop();
  });
  try {
    const outcome = await executeJob(
      job,
      {
        attached: (variant, at) => port.postMessage({ t: 'attached', variant, at }),
        events: (batch) => port.postMessage({ t: 'events', batch }),
        // the consume buffer is the addon's fresh copy: hand it over instead of cloning it
        records: (buf, records, decoder) =>
          port.postMessage({ t: 'records', buf, records, decoder }, ownsWholeBuffer(buf) ? [buf.buffer as ArrayBuffer] : []),
      },
      (ctx) => {
        stop = () => ctx.stop();
        if (stopRequested) ctx.stop();
      },
    );
    port.postMessage({ t: 'done', outcome });
    return outcome;
  } finally {
    port.close();
  }
}
