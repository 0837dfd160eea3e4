import type { JobEvents, RunnerApi } from '@sonde/core-loader';
import { BadParamsError, SondeError } from '@sonde/probe-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { JobService, parseJobRequest } from './job-service.js';
import { MemoryJobs } from './memory-jobs.js';
import { FakeCatalog, FakeRunner } from '../test/support/fakes.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup) await f();
  cleanup = [];
});

/** the service over the in-memory table, as `sonde run` wires it: the done hook stores and wakes */
function make(opts: { maxDurationMs?: number; timeScale?: number } = {}) {
  const store = new MemoryJobs();
  let service: JobService | undefined;
  const hooks: JobEvents = {
    attached: (id, { at, variant }) => void store.markAttached(id, at, variant),
    events: () => {},
    done: (id, status, result) => {
      store.finish(id, status, result);
      service?.ended(id);
    },
  };
  const runner = new FakeRunner({ hooks, timeScale: opts.timeScale ?? 0.02 });
  service = new JobService({ catalog: new FakeCatalog(), runner, store, limits: { maxDurationMs: opts.maxDurationMs ?? 600_000 } });
  cleanup.push(() => runner.close());
  return { store, runner, service };
}

const errorOf = (fn: () => unknown): SondeError => {
  try {
    fn();
  } catch (err) {
    return err as SondeError;
  }
  throw new Error('did not throw');
};

describe('parseJobRequest', () => {
  it("applies POST /v1/jobs's defaults and leaves out the caller's own keys", () => {
    expect(parseJobRequest({ probe: 'tcprtt', assertions: ['x'] }, ['assertions'])).toEqual({ probe: 'tcprtt', durationMs: 10_000, params: {} });
  });

  it('refuses as the route hook does: every field named, unknown keys too', () => {
    const err = errorOf(() => parseJobRequest({ probe: '', durationMs: 'soon', colour: 'red' }));
    expect(err).toBeInstanceOf(BadParamsError);
    const fields = (err.details.issues as Array<{ field: string }>).map((i) => i.field).sort();
    expect(fields).toEqual(['colour', 'durationMs', 'probe']);
    expect(err.message).toMatch(/^invalid body: /);
    expect(errorOf(() => parseJobRequest(null)).message).toMatch(/^invalid body: body: /);
  });
});

describe('JobService over MemoryJobs (the CLI in-process wiring)', () => {
  it('creates, runs and waits: wait answers when the done hook says so, not a poll later', async () => {
    const { service, runner } = make();
    const job = service.create(parseJobRequest({ probe: 'tcprtt', durationMs: 1000, params: { rport: 443 } }));
    expect(job).toMatchObject({ probe: 'tcprtt', status: 'queued', params: { rport: 443, milliseconds: false, byRemote: false }, result: null });
    expect(runner.started.map((s) => s.id)).toEqual([job.id]);
    const t0 = Date.now();
    const done = await service.wait(job.id, 60_000);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(done).toMatchObject({ id: job.id, status: 'succeeded', variant: 'tp_btf', result: { jobId: job.id, stoppedBy: 'deadline' } });
    expect(done.attachedAt).not.toBeNull();
  });

  it('stops early (the partial result through the runner) and refuses to stop an ended job (409 conflict)', async () => {
    const { service } = make({ timeScale: 1 });
    const job = service.create(parseJobRequest({ probe: 'tcprtt', durationMs: 60_000 }));
    service.stop(job.id);
    expect(await service.wait(job.id, 60_000)).toMatchObject({ status: 'stopped', result: { stoppedBy: 'cancel' } });
    expect(errorOf(() => service.stop(job.id))).toMatchObject({ type: 'conflict' });
    expect(errorOf(() => service.get('j_nope'))).toMatchObject({ type: 'not-found' });
  });

  it("refuses with the API's errors: the duration limit, the catalogue's, no OTLP destinations", () => {
    const { service, runner } = make({ maxDurationMs: 5000 });
    expect(errorOf(() => service.create(parseJobRequest({ probe: 'tcprtt', durationMs: 6000 })))).toMatchObject({
      type: 'bad-params',
      message: 'durationMs: at most 5000 ms on this server (SONDE_MAX_DURATION_MS)',
    });
    expect(errorOf(() => service.create(parseJobRequest({ probe: 'tcpfoo', durationMs: 1000 })))).toMatchObject({ type: 'unknown-probe' });
    expect(errorOf(() => service.create(parseJobRequest({ probe: 'tcpdrop', durationMs: 1000 })))).toMatchObject({ type: 'probe-unavailable-on-this-kernel' });
    const params = errorOf(() => service.create(parseJobRequest({ probe: 'tcprtt', durationMs: 1000, params: { lport: 70_000 } })));
    expect(params.details.issues).toEqual([{ field: 'params.lport', message: expect.any(String) }]);
    const otlp = errorOf(() => service.create(parseJobRequest({ probe: 'tcprtt', durationMs: 1000, export: { otlp: true } })));
    expect(otlp.details.issues).toEqual([{ field: 'export.otlp', message: expect.stringMatching(/no OTLP destinations/) }]);
    expect(runner.started).toHaveLength(0);
  });

  it('a runner refusal at start (an owner filter matching nothing) leaves no row behind', () => {
    const store = new MemoryJobs();
    const refusing: RunnerApi = {
      maxRunning: 1,
      start: () => {
        throw new BadParamsError('pod shop/x: no such pod (nothing to trace on this node)', [{ field: 'params.pod', message: 'no such pod' }]);
      },
      stop: () => false,
      running: () => [],
      close: async () => {},
    };
    let inserted: string | undefined;
    const spy = { insert: (j: Parameters<MemoryJobs['insert']>[0]) => ((inserted = j.id), store.insert(j)), get: (id: string) => store.get(id), remove: (id: string) => store.remove(id) };
    const service = new JobService({ catalog: new FakeCatalog(), runner: refusing, store: spy });
    expect(errorOf(() => service.create(parseJobRequest({ probe: 'tcprtt' })))).toMatchObject({ type: 'bad-params' });
    expect(inserted).toMatch(/^j_/);
    expect(store.get(inserted!)).toBeUndefined();
  });
});
