/**
 * A smaller soak than `npm run soak` (200 jobs instead of 1000): real tcprtt jobs through the real
 * server at its concurrency limit, mixing deadline, early stop and invalid requests. Nothing may leak:
 * no BPF program, link or map left, the server's fds flat, its RSS within a bound after a warm-up of 100 jobs.
 */
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { describeKernel } from './support/kernel.js';

const script = new URL('./bench/soak.mjs', import.meta.url).pathname;

describeKernel('soak', () => {
  it('200 jobs in a row at the limit leak no BPF objects, fds or memory', async () => {
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      let text = '';
      // 100 jobs of warm-up first: the pool's four threads and their heaps grow over the first ~100 jobs at
      // the limit (how fast depends on the order jobs land in), and only growth after that is a leak
      const p = spawn(process.execPath, [script, '200'], { env: { ...process.env, SOAK_JSON: '1', SOAK_MAX_MS: '240000', SOAK_WARMUP: '100' } });
      p.stdout.on('data', (d) => (text += d));
      p.stderr.on('data', (d) => (text += d));
      p.on('close', (code) => resolve({ code, text }));
    });
    const line = out.text.split('\n').find((l) => l.startsWith('SOAK_JSON '));
    expect(line, out.text).toBeDefined();
    const s = JSON.parse(line!.slice('SOAK_JSON '.length));
    console.log(out.text.split('\n').filter((l) => !l.startsWith('SOAK_JSON')).join('\n'));
    expect(s.errors, out.text).toBe(0);
    expect(s.jobs).toBe(200);
    expect(s.deadline + s.stopped + s.invalid).toBe(200);
    expect(s.leaks).toEqual([]);
    for (const k of ['prog', 'link', 'map']) {
      expect(s.after[k].ours).toBe(0);
      expect(s.after[k].total).toBeLessThanOrEqual(s.before[k].total);
    }
    expect(s.during.prog.ours).toBe(0); // idle server: nothing attached
    expect(s.end.fds - s.start.fds).toBeLessThanOrEqual(4);
    expect(s.end.rssMb - s.start.rssMb).toBeLessThan(48);
    expect(s.exit).toBe(0);
    expect(out.code).toBe(0);
  }, 300_000);
});
