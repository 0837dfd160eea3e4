import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults to loopback:7070, ./data, 8 jobs', () => {
    expect(loadConfig({})).toEqual({ host: '127.0.0.1', port: 7070, dataDir: './data', maxJobs: 8 });
    expect(loadConfig({ SONDE_PORT: '' })).toMatchObject({ port: 7070 });
  });

  it('reads the SONDE_ variables', () => {
    expect(loadConfig({ SONDE_HOST: '0.0.0.0', SONDE_PORT: '8080', SONDE_DATA_DIR: '/var/lib/sonde', SONDE_MAX_JOBS: '2' })).toEqual({
      host: '0.0.0.0',
      port: 8080,
      dataDir: '/var/lib/sonde',
      maxJobs: 2,
    });
  });

  it('names every bad variable and its value', () => {
    let err: unknown;
    try {
      loadConfig({ SONDE_PORT: '70000', SONDE_MAX_JOBS: 'lots' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.stringMatching(/^SONDE_PORT="70000": .*65535/),
      expect.stringMatching(/^SONDE_MAX_JOBS="lots": /),
    ]);
  });
});
