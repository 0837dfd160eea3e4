import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);

const EnvSchema = z.object({
  SONDE_HOST: z.string().min(1).default('127.0.0.1'),
  SONDE_PORT: port.default(7070),
  SONDE_DATA_DIR: z.string().min(1).default('./data'),
  SONDE_MAX_JOBS: z.coerce.number().int().min(1).max(1024).default(8),
});

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  maxJobs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Read the server's settings from the environment; empty variables count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = Object.fromEntries(
    Object.keys(EnvSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}=${JSON.stringify(raw[String(i.path[0])])}: ${i.message}`),
    );
  }
  const e = parsed.data;
  return { host: e.SONDE_HOST, port: e.SONDE_PORT, dataDir: e.SONDE_DATA_DIR, maxJobs: e.SONDE_MAX_JOBS };
}
