import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopback, loadConfig, parseTokens } from './config.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const T1 = 'tok-operator-0123456789abcdef';
const T2 = 'tok-viewer-0123456789abcdef00';

describe('loadConfig', () => {
  it('defaults to loopback:7070, ./data, 8 jobs, 10 min, 100 000 events, 7 days / 10 000 jobs, no tokens', () => {
    expect(loadConfig({})).toEqual({
      host: '127.0.0.1',
      port: 7070,
      dataDir: './data',
      maxJobs: 8,
      maxJobsPerProbe: { default: 8, byProbe: {} },
      maxDurationMs: 600_000,
      maxEvents: 100_000,
      rateLimit: { perSecond: 100, burst: 200 },
      retention: { days: 7, jobs: 10_000 },
      auditFile: './data/audit.log',
      tokens: [],
      otlp: { destinations: [] },
    });
    expect(loadConfig({ SONDE_PORT: '' })).toMatchObject({ port: 7070 });
  });

  it('reads the SONDE_ variables', () => {
    expect(
      loadConfig({
        SONDE_HOST: '0.0.0.0',
        SONDE_PORT: '8080',
        SONDE_DATA_DIR: '/var/lib/sonde',
        SONDE_MAX_JOBS: '2',
        SONDE_TOKENS: `ci:operator:${T1}`,
        SONDE_MAX_EVENTS: '500',
        SONDE_MAX_DURATION_MS: '60000',
        SONDE_RATE_LIMIT: '5',
        SONDE_RETENTION_DAYS: '1',
        SONDE_RETENTION_JOBS: '50',
      }),
    ).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      dataDir: '/var/lib/sonde',
      maxJobs: 2,
      maxJobsPerProbe: { default: 2 },
      maxEvents: 500,
      maxDurationMs: 60_000,
      rateLimit: { perSecond: 5, burst: 10 },
      retention: { days: 1, jobs: 50 },
      auditFile: '/var/lib/sonde/audit.log',
      tokens: [{ name: 'ci', role: 'operator', token: T1 }],
    });
  });

  it('names every bad variable and its value', () => {
    expect(problemsOf(() => loadConfig({ SONDE_PORT: '70000', SONDE_MAX_JOBS: 'lots' }))).toEqual([
      expect.stringMatching(/^SONDE_PORT="70000": .*65535/),
      expect.stringMatching(/^SONDE_MAX_JOBS="lots": /),
    ]);
  });

  it('refuses a non-loopback address without tokens, with a message that says what to do', () => {
    const p = problemsOf(() => loadConfig({ SONDE_HOST: '0.0.0.0' }));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/SONDE_HOST="0.0.0.0" is not loopback and no tokens are configured.*SONDE_TOKENS/);
    expect(loadConfig({ SONDE_HOST: '::1' }).host).toBe('::1');
    expect(loadConfig({ SONDE_HOST: 'localhost' }).host).toBe('localhost');
  });

  it('never echoes a token, even a bad one', () => {
    const p = problemsOf(() => loadConfig({ SONDE_TOKENS: 'a:viewer:short-secret,b:root:' + T2 }));
    expect(p.join('\n')).not.toMatch(/short-secret|tok-viewer/);
    expect(p).toEqual([expect.stringMatching(/^SONDE_TOKENS\[0\]\.token: .*16/), expect.stringMatching(/^SONDE_TOKENS\[1\]\.role: /)]);
    expect(problemsOf(() => loadConfig({ SONDE_TOKENS: `a:viewer:${T1},a:admin:${T2}` }))).toEqual([
      "token name 'a' is used twice",
    ]);
  });

  it('reads a SONDE_CONFIG JSON file, the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sonde-cfg-'));
    const file = join(dir, 'sonde.json');
    writeFileSync(
      file,
      JSON.stringify({
        host: '0.0.0.0',
        maxJobs: 6,
        maxJobsPerProbe: { tcprtt: 2 },
        retention: { days: 3 },
        rateLimit: { perSecond: 10, burst: 15 },
        tokens: [{ name: 'ops', role: 'admin', token: T1 }],
      }),
    );
    expect(loadConfig({ SONDE_CONFIG: file, SONDE_MAX_JOBS: '4', SONDE_TOKENS: `dash:viewer:${T2}` })).toMatchObject({
      host: '0.0.0.0',
      maxJobs: 4,
      maxJobsPerProbe: { default: 4, byProbe: { tcprtt: 2 } },
      retention: { days: 3, jobs: 10_000 },
      rateLimit: { perSecond: 10, burst: 15 },
      tokens: [
        { name: 'ops', role: 'admin', token: T1 },
        { name: 'dash', role: 'viewer', token: T2 },
      ],
    });
    writeFileSync(file, '{"tokens":[{"name":"x","role":"god","token":"' + T1 + '"}],"bogus":1}');
    const p = problemsOf(() => loadConfig({ SONDE_CONFIG: file }));
    expect(p.join('\n')).not.toContain(T1);
    expect(p.join('\n')).toMatch(/tokens\.0\.role/);
    expect(p.join('\n')).toMatch(/bogus/);
    expect(problemsOf(() => loadConfig({ SONDE_CONFIG: join(dir, 'missing.json') }))[0]).toMatch(/ENOENT/);
  });

  it('parses token lists and knows loopback', () => {
    expect(parseTokens(` a:viewer:${T1} , b:admin:${T2}`).tokens.map((t) => t.name)).toEqual(['a', 'b']);
    expect(parseTokens('nocolons').problems).toEqual(['SONDE_TOKENS[0]: expected name:role:token']);
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com'].some(isLoopback)).toBe(false);
  });
});
