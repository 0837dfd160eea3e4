/** Parsing of what people type: durations, `--param k=v`, the server URL. */

/** A usage or input error: one line on stderr, exit code 2. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `2m`, `1.5s`, `1m30s` → milliseconds. A bare number is refused (which unit?). */
export function parseDuration(s: string): number {
  const text = s.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  let m: RegExpExecArray | null;
  while (at < text.length && (m = re.exec(text))) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    at = re.lastIndex;
  }
  if (!text || at !== text.length) {
    const hint = /^\d+(\.\d+)?$/.test(text) ? `; add a unit: ${text}s or ${text}ms` : ' (e.g. 500ms, 30s, 2m)';
    throw new CliError(`invalid duration '${s}'${hint}`);
  }
  return Math.round(total);
}

function jsonOr(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/**
 * `--param k=v` values: JSON when it parses (`443`, `true`, `{"a":1}`, `"x"`), a comma list
 * becomes an array (`rport=443,8443` → [443, 8443]), anything else is a string. A key given
 * twice collects its values into an array.
 */
export function parseParams(items: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid --param '${item}': expected key=value`);
    const key = item.slice(0, eq).trim();
    const raw = item.slice(eq + 1);
    let value = jsonOr(raw);
    if (typeof value === 'string' && raw.includes(',') && !/^\s*["[{]/.test(raw)) {
      value = raw.split(',').map((p) => jsonOr(p.trim()));
    }
    if (key in out) {
      const prev = out[key];
      out[key] = [...(Array.isArray(prev) ? prev : [prev]), ...(Array.isArray(value) ? value : [value])];
    } else out[key] = value;
  }
  return out;
}

/** Normalise a server address: `host:port` and bare ports get http://. */
export function serverUrl(s: string): string {
  const t = s.trim();
  if (/^\d+$/.test(t)) return `http://127.0.0.1:${t}`;
  const url = /^[a-z]+:\/\//i.test(t) ? t : `http://${t}`;
  try {
    return new URL(url).toString().replace(/\/+$/, '');
  } catch {
    throw new CliError(`invalid --server '${s}': expected a URL like http://127.0.0.1:7070`);
  }
}

export function fmtMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  return s < 60 ? `${(Math.round(s * 10) / 10).toString()}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}
