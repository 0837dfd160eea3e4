/**
 * OTLP destinations: a server-side allow-list. A job names one (or asks for the default); the request
 * never carries a URL, so a caller cannot make a root agent post its results anywhere else.
 */
import { z } from 'zod';
import { SondeError } from '@sonde/probe-sdk';

/** per-attempt timeout unless the destination says otherwise */
export const DEFAULT_OTLP_TIMEOUT_MS = 3000;
/** the destination SONDE_OTLP_ENDPOINT defines */
export const ENV_DESTINATION = 'default';

export interface OtlpDestination {
  name: string;
  /** base URL: /v1/metrics and /v1/logs are appended (as OTEL_EXPORTER_OTLP_ENDPOINT) */
  endpoint: string;
  /** sent with every request (e.g. an API key); never shown by the API or in errors */
  headers: Record<string, string>;
  /** one attempt's timeout */
  timeoutMs: number;
  default: boolean;
}

export interface OtlpConfig {
  destinations: OtlpDestination[];
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

const Endpoint = z
  .string()
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash;
    } catch {
      return false;
    }
  }, 'an http(s) base URL without query or fragment, e.g. http://collector:4318');

export const OtlpDestinationSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a name of 1-64 letters, digits, _ . -'),
  endpoint: Endpoint,
  headers: z
    .record(z.string().regex(HEADER_NAME, 'an HTTP header name'), z.string().max(8192).regex(/^[\t\x20-\x7e]*$/, 'printable ASCII'))
    .optional(),
  timeoutMs: z.int().min(100).max(30_000).optional(),
  default: z.boolean().optional(),
});

/** the `otlp` section of the SONDE_CONFIG file */
export const OtlpFileSchema = z.strictObject({ destinations: z.array(OtlpDestinationSchema).max(32) });

/** `k=v,k2=v2` as OTEL_EXPORTER_OTLP_HEADERS writes them (values percent-decoded) */
export function parseOtlpHeaders(spec: string, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .forEach((entry, i) => {
      const eq = entry.indexOf('=');
      const name = eq > 0 ? entry.slice(0, eq).trim() : '';
      if (!HEADER_NAME.test(name)) {
        problems.push(`SONDE_OTLP_HEADERS[${i}]: expected name=value`);
        return;
      }
      try {
        out[name] = decodeURIComponent(entry.slice(eq + 1).trim());
      } catch {
        problems.push(`SONDE_OTLP_HEADERS[${i}] (${name}): the value is not percent-encoded correctly`);
      }
    });
  return out;
}

/**
 * The destinations from the file and the environment. SONDE_OTLP_ENDPOINT defines (or replaces) the
 * destination named "default", which is the default unless the file marks another one.
 */
export function otlpConfig(
  file: z.infer<typeof OtlpFileSchema> | undefined,
  env: { endpoint?: string | undefined; headers?: string | undefined },
  problems: string[],
): OtlpConfig {
  const list: OtlpDestination[] = (file?.destinations ?? []).map((d) => ({
    name: d.name,
    endpoint: d.endpoint,
    headers: d.headers ?? {},
    timeoutMs: d.timeoutMs ?? DEFAULT_OTLP_TIMEOUT_MS,
    default: d.default ?? false,
  }));
  if (env.endpoint !== undefined) {
    const ok = Endpoint.safeParse(env.endpoint);
    if (!ok.success) problems.push(`SONDE_OTLP_ENDPOINT: ${ok.error.issues[0]?.message ?? 'invalid'}`);
    const i = list.findIndex((d) => d.name === ENV_DESTINATION);
    const fromFile = i >= 0 ? list.splice(i, 1)[0] : undefined;
    list.unshift({
      name: ENV_DESTINATION,
      endpoint: env.endpoint,
      headers: env.headers !== undefined ? parseOtlpHeaders(env.headers, problems) : (fromFile?.headers ?? {}),
      timeoutMs: fromFile?.timeoutMs ?? DEFAULT_OTLP_TIMEOUT_MS,
      default: !list.some((d) => d.default),
    });
  } else if (env.headers !== undefined) {
    problems.push('SONDE_OTLP_HEADERS is set without SONDE_OTLP_ENDPOINT');
  }
  const seen = new Set<string>();
  for (const d of list) {
    if (seen.has(d.name)) problems.push(`otlp.destinations: the name '${d.name}' is used twice`);
    seen.add(d.name);
  }
  const defaults = list.filter((d) => d.default).map((d) => d.name);
  if (defaults.length > 1) problems.push(`otlp.destinations: more than one default (${defaults.join(', ')})`);
  return { destinations: list };
}

/** The destination a job asked for; a problem (400 bad-params) that names the known ones otherwise. */
export function resolveDestination(cfg: OtlpConfig | undefined, ask: true | string): OtlpDestination {
  const list = cfg?.destinations ?? [];
  const names = list.map((d) => d.name);
  const refuse = (message: string): never => {
    throw new SondeError('bad-params', `export.otlp: ${message}`, {
      issues: [{ field: 'export.otlp', message }],
      destinations: names,
    });
  };
  if (list.length === 0) {
    return refuse(
      'this server has no OTLP destinations: an admin configures them (otlp.destinations in the SONDE_CONFIG file, or SONDE_OTLP_ENDPOINT)',
    );
  }
  if (ask === true) {
    const d = list.find((x) => x.default);
    return d ?? refuse(`no default destination on this server: name one of ${names.map((n) => `'${n}'`).join(', ')}`);
  }
  const d = list.find((x) => x.name === ask);
  return d ?? refuse(`unknown destination '${ask}': this server knows ${names.map((n) => `'${n}'`).join(', ')}`);
}
