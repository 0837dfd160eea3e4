/** The client against the real app (fake runner, no kernel), through app.fetch instead of a socket. */
import { afterEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../../control-api/test/support/helpers.js';
import { ProblemError, sondeClient, stopJob, unwrap, waitForJob, type Job } from './index.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.runner.close();
  t?.store.close();
});

function client(app: TestApp['app'], token?: string) {
  return sondeClient('http://sonde.test/', { fetch: (req: Request) => Promise.resolve(app.fetch(req)), ...(token ? { token } : {}) });
}

describe('@sonde/client', () => {
  it('starts a job, waits for it, reads the result', async () => {
    t = testApp({ timeScale: 0.2 });
    const api = client(t.app);
    const job = unwrap(await api.POST('/v1/jobs', { body: { probe: 'tcprtt', durationMs: 200, params: { rport: 443 } } })) as Job;
    expect(job.status).toBe('queued');
    const seen: string[] = [];
    const done = await waitForJob(api, job.id, { intervalMs: 10, onPoll: (j) => seen.push(j.status) });
    expect(done.status).toBe('succeeded');
    expect(seen.at(-1)).toBe('succeeded');
    expect(done.result?.stoppedBy).toBe('deadline');
  });

  it('turns problem documents into ProblemError with the type', async () => {
    t = testApp();
    const api = client(t.app);
    try {
      unwrap(await api.POST('/v1/jobs', { body: { probe: 'tcpfoo', durationMs: 1000, params: {} } }));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ProblemError);
      expect((err as ProblemError).status).toBe(404);
      expect((err as ProblemError).type).toBe('unknown-probe');
      expect((err as ProblemError).message).toBe("no probe named 'tcpfoo'");
    }
  });

  it('stopJob: stops a running job; an ended one is returned, not an error', async () => {
    t = testApp();
    const api = client(t.app);
    const job = unwrap(await api.POST('/v1/jobs', { body: { probe: 'tcprtt', durationMs: 60_000, params: {} } })) as Job;
    await stopJob(api, job.id);
    const done = await waitForJob(api, job.id, { intervalMs: 5 });
    expect(done.status).toBe('stopped');
    expect((await stopJob(api, job.id)).status).toBe('stopped');
  });
});
