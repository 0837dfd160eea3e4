/**
 * The one way sonde talks to the Kubernetes API server: plain HTTP(S) with the pod's service-account
 * token (read afresh on every request: projected tokens rotate) and CA. Used by the fleet's
 * EndpointSlice discovery and the agent's pod watch (owner/pods.ts). No Kubernetes SDK: two verbs
 * are needed — GET a JSON document, and GET a watch stream of newline-separated JSON events.
 *
 * Node's fetch cannot take a private CA without undici's dispatcher, so this stays on node:https.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface K8sApi {
  /** API server base URL, e.g. https://10.96.0.1:443 (tests: http://127.0.0.1:<port>) */
  apiUrl: string;
  /** a fixed bearer token (wins over tokenFile) */
  token?: string | undefined;
  /** read the token from this file on every request (default in a pod: SA_DIR/token) */
  tokenFile?: string | undefined;
  /** PEM of the CA to trust for https (default in a pod: SA_DIR/ca.crt) */
  ca?: string | Buffer | undefined;
  /** per-request timeout for GETs; for watches, the time to the response headers (default 5000) */
  timeoutMs?: number | undefined;
}

/** A non-2xx answer of the API server, with its status code and the Status message when it sent one. */
export class K8sApiError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    why: string,
  ) {
    super(`Kubernetes API ${status} for ${path}: ${why}`);
    this.name = 'K8sApiError';
  }
}

/** a file's contents trimmed, or undefined when it cannot be read */
export function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * The API server as a pod sees it: `<prefix>_API` or https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT,
 * the token file `<prefix>_TOKEN_FILE` (default SA_DIR/token) and CA `<prefix>_CA` (default SA_DIR/ca.crt).
 * `apiUrl` is undefined when neither is set (not in a cluster): the caller says what that means.
 */
export function inClusterApi(env: NodeJS.ProcessEnv, prefix = 'SONDE_K8S'): Omit<K8sApi, 'apiUrl'> & { apiUrl: string | undefined } {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const apiUrl = env[`${prefix}_API`] ?? (host ? `https://${host.includes(':') ? `[${host}]` : host}:${port}` : undefined);
  const caFile = env[`${prefix}_CA`] ?? `${SA_DIR}/ca.crt`;
  return {
    apiUrl,
    tokenFile: env[`${prefix}_TOKEN_FILE`] ?? `${SA_DIR}/token`,
    ca: apiUrl?.startsWith('https:') ? readTrimmed(caFile) : undefined,
  };
}

function open(api: K8sApi, path: string, onResponse: (res: http.IncomingMessage) => void, onError: (err: Error) => void): http.ClientRequest {
  const u = new URL(api.apiUrl.replace(/\/+$/, '') + path);
  const mod = u.protocol === 'https:' ? https : http;
  const token = api.token ?? (api.tokenFile ? readTrimmed(api.tokenFile) : undefined);
  const req = mod.request(u, {
    method: 'GET',
    headers: { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    ...(api.ca && u.protocol === 'https:' ? { ca: api.ca } : {}),
  });
  req.on('response', onResponse);
  req.on('error', onError);
  req.end();
  return req;
}

function statusError(status: number, path: string, body: string): K8sApiError {
  let why = body.slice(0, 200);
  try {
    why = (JSON.parse(body) as { message?: string }).message ?? why;
  } catch {
    /* not JSON */
  }
  return new K8sApiError(status, path.split('?')[0]!, why);
}

/** GET one JSON document (a List, an object); an abort rejects with the signal's reason. */
export function k8sGetJson(api: K8sApi, path: string, signal?: AbortSignal): Promise<unknown> {
  const timeoutMs = api.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const settle = (err: Error | null, value?: unknown) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      if (err) reject(err);
      else resolve(value);
    };
    const req = open(
      api,
      path,
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('error', (err) => settle(err));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 300) return settle(statusError(res.statusCode ?? 0, path, body));
          try {
            settle(null, JSON.parse(body));
          } catch (err) {
            settle(new Error(`Kubernetes API: invalid JSON from ${path.split('?')[0]}: ${(err as Error).message}`));
          }
        });
      },
      (err) => settle(err),
    );
    const timer = setTimeout(() => req.destroy(new Error(`Kubernetes API: no answer in ${timeoutMs} ms`)), timeoutMs);
    const abort = () => req.destroy(new Error('aborted'));
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/** One event of a watch stream: ADDED, MODIFIED, DELETED, BOOKMARK, or ERROR (object is a Status). */
export interface WatchEvent<T = unknown> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/**
 * GET a watch stream (`...?watch=1&resourceVersion=...`) and call onEvent for each JSON line. Resolves
 * when the server ends the stream (its timeoutSeconds) or the signal aborts; rejects on a non-2xx
 * answer (K8sApiError: a 410 means the resourceVersion is too old: list again), a broken
 * connection, a bad line, or no response headers in timeoutMs.
 */
export function k8sWatch<T = unknown>(api: K8sApi, path: string, onEvent: (e: WatchEvent<T>) => void, signal?: AbortSignal): Promise<void> {
  const timeoutMs = api.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return resolve();
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      if (err) reject(err);
      else resolve();
    };
    const req = open(
      api,
      path,
      (res) => {
        clearTimeout(timer);
        res.setEncoding('utf8');
        if ((res.statusCode ?? 0) >= 300) {
          let body = '';
          res.on('data', (d: string) => (body += d));
          res.on('end', () => finish(statusError(res.statusCode ?? 0, path, body)));
          return;
        }
        let buf = '';
        res.on('data', (d: string) => {
          buf += d;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            let ev: WatchEvent<T>;
            try {
              ev = JSON.parse(line) as WatchEvent<T>;
            } catch (err) {
              req.destroy();
              return finish(new Error(`Kubernetes API: bad watch line from ${path.split('?')[0]}: ${(err as Error).message}`));
            }
            try {
              onEvent(ev);
            } catch (err) {
              req.destroy();
              return finish(err as Error);
            }
          }
        });
        res.on('end', () => finish());
        res.on('error', (err) => finish(err));
        res.on('close', () => finish(res.complete ? undefined : new Error(`Kubernetes API: watch of ${path.split('?')[0]} cut off`)));
      },
      (err) => finish(signal?.aborted ? undefined : err),
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish(new Error(`Kubernetes API: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    const abort = () => {
      req.destroy();
      finish();
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
