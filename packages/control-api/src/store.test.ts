import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import { newJobId } from './ids.js';
import { JobStore } from './store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sonde-store-'));
  dirs.push(d);
  return join(d, 'nested', 'data'); // open() must create it
}

function envelope(id: string, over: Partial<ResultEnvelope> = {}): ResultEnvelope {
  return {
    jobId: id,
    probe: 'tcprtt',
    probeVersion: '0.1.0',
    params: { rport: 443 },
    host: { hostname: 'h', kernel: '6.18.0' },
    variant: 'tp_btf',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    stoppedBy: 'deadline',
    kind: 'histogram',
    data: { unit: 'usecs', count: 42 },
    stats: { events: 42, lost: 0, dropped: 0, truncated: false },
    warnings: [],
    ...over,
  };
}

describe('JobStore', () => {
  it('opens ${dataDir}/sonde.db in WAL mode with synchronous=NORMAL', () => {
    const store = JobStore.open(tempDir());
    expect(store.db.name).toMatch(/nested\/data\/sonde\.db$/);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1);
    const idx = store.db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND name LIKE 'jobs_%'").all();
    expect(idx.map((i) => i.name).sort()).toEqual(['jobs_created', 'jobs_probe', 'jobs_status']);
    store.close();
  });

  it('on reopen marks jobs a dead process left queued/running as interrupted, keeping finished ones intact', () => {
    const dir = tempDir();
    const a = JobStore.open(dir);
    const base = { probe: 'tcprtt', probeVersion: '0.1.0', kind: 'histogram' as const, params: { rport: 443 }, durationMs: 60_000 };
    const done = newJobId();
    const running = newJobId();
    const queued = newJobId();
    const t0 = Date.now() - 2000;
    a.insert({ ...base, id: done, createdAt: t0 });
    a.insert({ ...base, id: running, createdAt: t0 });
    a.insert({ ...base, id: queued, createdAt: t0 });
    a.markAttached(done, t0 + 10, 'tp_btf');
    a.finish(done, 'succeeded', envelope(done), t0 + 1010);
    a.markAttached(running, t0 + 10, 'tp_btf');
    const before = a.get(done);
    expect(a.interrupted).toBe(0);
    a.db.close(); // no close hooks: like a SIGKILL

    const b = JobStore.open(dir);
    expect(b.interrupted).toBe(2);
    expect(b.get(done)).toEqual(before);
    expect(b.get(done)?.result).toEqual(envelope(done));
    const r = b.get(running);
    expect(r).toMatchObject({ status: 'interrupted', variant: 'tp_btf', attachedAt: new Date(t0 + 10).toISOString() });
    expect(r?.result).toMatchObject({ jobId: running, stoppedBy: 'interrupted', data: null, kind: 'histogram', params: { rport: 443 }, variant: 'tp_btf' });
    expect(r?.error?.type).toBe('interrupted');
    expect(r?.endedAt).toBe(r?.result?.endedAt);
    expect(Date.parse(r?.endedAt ?? '')).toBeGreaterThanOrEqual(t0 + 10);
    expect(b.get(queued)).toMatchObject({ status: 'interrupted', attachedAt: null });
    expect(b.countActive()).toBe(0);
    b.close();

    const c = JobStore.open(dir);
    expect(c.interrupted).toBe(0);
    c.close();
  });

  it('a late attached never overrides a final status', () => {
    const s = new JobStore(':memory:');
    const id = newJobId();
    s.insert({ id, probe: 'tcprtt', probeVersion: '0.1.0', kind: 'histogram', params: {}, durationMs: 100, createdAt: Date.now() });
    s.finish(id, 'failed', envelope(id, { stoppedBy: 'error', data: null, error: { type: 'probe-load-failed', message: 'x' } }));
    expect(s.markAttached(id, Date.now(), 'tp_btf')).toBe(false);
    expect(s.get(id)).toMatchObject({ status: 'failed', error: { type: 'probe-load-failed', message: 'x' } });
    s.close();
  });
});
