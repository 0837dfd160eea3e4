import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { otlpConfig, OtlpFileSchema, type OtlpConfig } from './otlp/config.js';

const port = z.coerce.number().int().min(1).max(65535);

/** where the server listens unless SONDE_HOST / SONDE_PORT say otherwise (also the OpenAPI documents' server) */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7070;
export const DEFAULT_URL = `http://${DEFAULT_HOST}:${DEFAULT_PORT}`;

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface TokenConfig {
  /** who, in the audit log; never the secret */
  name: string;
  role: Role;
  token: string;
}

const TokenSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'a name of 1-64 letters, digits, _ . @ -'),
  role: z.enum(ROLES),
  token: z.string().min(16, 'a token of at least 16 characters').max(512).regex(/^[\x21-\x7e]+$/, 'printable ASCII, no spaces'),
});

const EnvSchema = z.object({
  SONDE_HOST: z.string().min(1).default(DEFAULT_HOST),
  SONDE_PORT: port.default(DEFAULT_PORT),
  SONDE_DATA_DIR: z.string().min(1).default('./data'),
  SONDE_MAX_JOBS: z.coerce.number().int().min(1).max(1024).default(8),
  SONDE_MAX_JOBS_PER_PROBE: z.coerce.number().int().min(1).max(1024).optional(),
  SONDE_MAX_DURATION_MS: z.coerce.number().int().min(100).max(86_400_000).default(600_000),
  SONDE_MAX_EVENTS: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
  SONDE_RATE_LIMIT: z.coerce.number().min(0).max(1_000_000).default(100),
  SONDE_RATE_BURST: z.coerce.number().int().min(1).max(10_000_000).optional(),
  SONDE_RETENTION_DAYS: z.coerce.number().min(0).max(36_500).default(7),
  SONDE_RETENTION_JOBS: z.coerce.number().int().min(1).max(100_000_000).default(10_000),
  SONDE_AUDIT_FILE: z.string().min(1).optional(),
  SONDE_TOKENS: z.string().min(1).optional(),
  SONDE_CONFIG: z.string().min(1).optional(),
  /** one OTLP/HTTP destination named "default" (base URL, e.g. http://collector:4318) */
  SONDE_OTLP_ENDPOINT: z.string().min(1).optional(),
  /** its headers, `name=value,...` (values percent-encoded), as OTEL_EXPORTER_OTLP_HEADERS */
  SONDE_OTLP_HEADERS: z.string().min(1).optional(),
});

/** SONDE_CONFIG: a JSON file with the same settings in camelCase; the environment wins over it. */
const FileSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: port.optional(),
  dataDir: z.string().min(1).optional(),
  maxJobs: z.int().min(1).max(1024).optional(),
  /** one number for every probe, or per probe name (others get maxJobs) */
  maxJobsPerProbe: z.union([z.int().min(1).max(1024), z.record(z.string(), z.int().min(1).max(1024))]).optional(),
  maxDurationMs: z.int().min(100).max(86_400_000).optional(),
  maxEvents: z.int().min(1).max(10_000_000).optional(),
  rateLimit: z.strictObject({ perSecond: z.number().min(0), burst: z.int().min(1).optional() }).optional(),
  retention: z.strictObject({ days: z.number().min(0).optional(), jobs: z.int().min(1).optional() }).optional(),
  auditFile: z.string().min(1).optional(),
  tokens: z.array(TokenSchema).optional(),
  /** OTLP/HTTP destinations jobs may export to, by name (`export: {otlp: name}` in a job request) */
  otlp: OtlpFileSchema.optional(),
});

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  maxJobs: number;
  /** running jobs per probe: a default for every probe and per-name overrides */
  maxJobsPerProbe: { default: number; byProbe: Record<string, number> };
  /** longest durationMs a job may ask for */
  maxDurationMs: number;
  /** events kept per result (and for stream replay) */
  maxEvents: number;
  /** per-token token bucket: requests per second (0 = off) and burst */
  rateLimit: { perSecond: number; burst: number };
  /** finished jobs older than `days` or beyond the newest `jobs` are pruned (0 days = keep by count only) */
  retention: { days: number; jobs: number };
  /** JSON lines of job starts and stops; 'off' for stdout only */
  auditFile: string;
  tokens: TokenConfig[];
  /** where jobs may send their results (OTLP/HTTP); headers are secrets like tokens */
  otlp: OtlpConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `name:role:token,...` (tokens never contain ':' or ','); problems name the entry by position, never the secret. */
export function parseTokens(spec: string, where = 'SONDE_TOKENS'): { tokens: TokenConfig[]; problems: string[] } {
  const tokens: TokenConfig[] = [];
  const problems: string[] = [];
  spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .forEach((entry, i) => {
      const parts = entry.split(':');
      if (parts.length !== 3) {
        problems.push(`${where}[${i}]: expected name:role:token`);
        return;
      }
      const [name, role, token] = parts;
      const r = TokenSchema.safeParse({ name, role, token });
      if (r.success) tokens.push(r.data);
      else problems.push(...r.error.issues.map((x) => `${where}[${i}].${x.path.join('.')}: ${x.message}`));
    });
  return { tokens, problems };
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

function readFileConfig(path: string): { file: z.infer<typeof FileSchema>; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return { file: {}, problems: [`SONDE_CONFIG=${JSON.stringify(path)}: ${(err as Error).message.split('\n')[0]}`] };
  }
  const r = FileSchema.safeParse(raw);
  if (r.success) return { file: r.data, problems: [] };
  // never echo values: the file holds secrets
  return { file: {}, problems: r.error.issues.map((i) => `${path}: ${i.path.join('.') || '(root)'}: ${i.message}`) };
}

/** Read the server's settings from the environment (and SONDE_CONFIG); empty variables count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = Object.fromEntries(
    Object.keys(EnvSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const k = String(i.path[0]);
        return `${i.path.join('.')}=${k === 'SONDE_TOKENS' || k === 'SONDE_OTLP_HEADERS' ? '(hidden)' : JSON.stringify(raw[k])}: ${i.message}`;
      }),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const { file, problems: fileProblems } = e.SONDE_CONFIG ? readFileConfig(e.SONDE_CONFIG) : { file: {}, problems: [] };
  problems.push(...fileProblems);
  const set = (k: string) => raw[k] !== undefined;

  const tokens: TokenConfig[] = [...(file.tokens ?? [])];
  if (e.SONDE_TOKENS) {
    const t = parseTokens(e.SONDE_TOKENS);
    problems.push(...t.problems);
    tokens.push(...t.tokens);
  }
  const names = new Set<string>();
  const secrets = new Set<string>();
  for (const t of tokens) {
    if (names.has(t.name)) problems.push(`token name '${t.name}' is used twice`);
    if (secrets.has(t.token)) problems.push(`token '${t.name}' reuses another token's secret`);
    names.add(t.name);
    secrets.add(t.token);
  }

  const host = set('SONDE_HOST') ? e.SONDE_HOST : (file.host ?? e.SONDE_HOST);
  const maxJobs = set('SONDE_MAX_JOBS') ? e.SONDE_MAX_JOBS : (file.maxJobs ?? e.SONDE_MAX_JOBS);
  const perProbe = file.maxJobsPerProbe;
  const perDefault = e.SONDE_MAX_JOBS_PER_PROBE ?? (typeof perProbe === 'number' ? perProbe : maxJobs);
  const perSecond = set('SONDE_RATE_LIMIT') ? e.SONDE_RATE_LIMIT : (file.rateLimit?.perSecond ?? e.SONDE_RATE_LIMIT);
  const dataDir = set('SONDE_DATA_DIR') ? e.SONDE_DATA_DIR : (file.dataDir ?? e.SONDE_DATA_DIR);

  const otlp = otlpConfig(file.otlp, { endpoint: e.SONDE_OTLP_ENDPOINT, headers: e.SONDE_OTLP_HEADERS }, problems);

  if (!isLoopback(host) && tokens.length === 0) {
    problems.push(
      `SONDE_HOST=${JSON.stringify(host)} is not loopback and no tokens are configured: refusing to expose a root ` +
        'tracer without authentication. Set SONDE_TOKENS="name:role:token,..." or tokens in the SONDE_CONFIG file, ' +
        'or listen on 127.0.0.1',
    );
  }
  if (problems.length) throw new ConfigError(problems);

  return {
    host,
    port: set('SONDE_PORT') ? e.SONDE_PORT : (file.port ?? e.SONDE_PORT),
    dataDir,
    maxJobs,
    maxJobsPerProbe: { default: Math.min(perDefault, maxJobs), byProbe: typeof perProbe === 'object' ? perProbe : {} },
    maxDurationMs: set('SONDE_MAX_DURATION_MS') ? e.SONDE_MAX_DURATION_MS : (file.maxDurationMs ?? e.SONDE_MAX_DURATION_MS),
    maxEvents: set('SONDE_MAX_EVENTS') ? e.SONDE_MAX_EVENTS : (file.maxEvents ?? e.SONDE_MAX_EVENTS),
    rateLimit: {
      perSecond,
      burst: e.SONDE_RATE_BURST ?? file.rateLimit?.burst ?? Math.max(1, Math.ceil(perSecond * 2)),
    },
    retention: {
      days: set('SONDE_RETENTION_DAYS') ? e.SONDE_RETENTION_DAYS : (file.retention?.days ?? e.SONDE_RETENTION_DAYS),
      jobs: set('SONDE_RETENTION_JOBS') ? e.SONDE_RETENTION_JOBS : (file.retention?.jobs ?? e.SONDE_RETENTION_JOBS),
    },
    auditFile: e.SONDE_AUDIT_FILE ?? file.auditFile ?? `${dataDir.replace(/\/+$/, '')}/audit.log`,
    tokens,
    otlp,
  };
}
