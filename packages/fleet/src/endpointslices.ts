/**
 * Discovery through the Kubernetes API: the EndpointSlices of the agents' headless Service
 * (`kubernetes.io/service-name=<svc>`), read with the pod's service-account token and CA. Needs
 * only `get/list/watch` on `discovery.k8s.io/endpointslices` in the agents' namespace (the chart's
 * Role). Each ready endpoint is one agent; its labels come from the endpoint itself (nodeName,
 * zone, deprecatedTopology), since reading Node objects would need a ClusterRole.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Agent, Discovery } from './agents.js';
import { FleetConfigError } from './agents.js';

export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface EndpointSliceOptions {
  /** API server base URL; default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT */
  apiUrl?: string | undefined;
  namespace?: string | undefined;
  service: string;
  /** the port name on the Service to use (default: `http`, else the first port) */
  portName?: string | undefined;
  scheme?: 'http' | 'https';
  token?: string | undefined;
  ca?: string | Buffer | undefined;
  /** read the token afresh on every call (projected tokens rotate); default SA_DIR/token */
  tokenFile?: string | undefined;
  timeoutMs?: number;
}

interface EndpointSlice {
  metadata?: { name?: string };
  ports?: Array<{ name?: string; port?: number; protocol?: string }> | null;
  endpoints?: Array<{
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    nodeName?: string;
    zone?: string;
    hostname?: string;
    targetRef?: { kind?: string; name?: string; namespace?: string };
    deprecatedTopology?: Record<string, string>;
  }>;
}

const readMaybe = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** options from the environment and the service-account files, as a pod sees them */
export function inClusterOptions(env: NodeJS.ProcessEnv, service: string): EndpointSliceOptions {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const apiUrl = env.SONDE_FLEET_K8S_API ?? (host ? `https://${host.includes(':') ? `[${host}]` : host}:${port}` : undefined);
  if (!apiUrl) throw new FleetConfigError('SONDE_FLEET_SERVICE is set but neither SONDE_FLEET_K8S_API nor KUBERNETES_SERVICE_HOST is');
  const caFile = env.SONDE_FLEET_K8S_CA ?? `${SA_DIR}/ca.crt`;
  return {
    apiUrl,
    service,
    namespace: env.SONDE_FLEET_NAMESPACE ?? readMaybe(`${SA_DIR}/namespace`) ?? 'default',
    portName: env.SONDE_FLEET_PORT_NAME,
    scheme: env.SONDE_FLEET_AGENT_SCHEME === 'https' ? 'https' : 'http',
    tokenFile: env.SONDE_FLEET_K8S_TOKEN_FILE ?? `${SA_DIR}/token`,
    ca: apiUrl.startsWith('https:') ? readMaybe(caFile) : undefined,
  };
}

function getJson(url: string, token: string | undefined, ca: string | Buffer | undefined, timeoutMs: number): Promise<unknown> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method: 'GET',
        headers: { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        ...(ca && u.protocol === 'https:' ? { ca } : {}),
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 300) {
            let why = body.slice(0, 200);
            try {
              why = (JSON.parse(body) as { message?: string }).message ?? why;
            } catch {
              /* not JSON */
            }
            return reject(new Error(`Kubernetes API ${res.statusCode} for ${u.pathname}: ${why}`));
          }
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(new Error(`Kubernetes API: invalid JSON from ${u.pathname}: ${(err as Error).message}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`Kubernetes API: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The agents behind a Service, from its EndpointSlices (ready endpoints only; one agent per address). */
export function agentsFromSlices(slices: EndpointSlice[], opts: Pick<EndpointSliceOptions, 'portName' | 'scheme'> = {}): Agent[] {
  const agents = new Map<string, Agent>();
  for (const s of slices) {
    const ports = s.ports ?? [];
    const port = (opts.portName ? ports.find((p) => p.name === opts.portName) : (ports.find((p) => p.name === 'http') ?? ports[0]))?.port;
    if (!port) continue;
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      const addr = e.addresses[0];
      if (!addr) continue;
      const host = addr.includes(':') ? `[${addr}]` : addr;
      const node = e.nodeName ?? e.targetRef?.name ?? addr;
      const labels: Record<string, string> = { ...(e.deprecatedTopology ?? {}) };
      if (e.nodeName) labels['kubernetes.io/hostname'] = e.nodeName;
      if (e.zone) labels['topology.kubernetes.io/zone'] = e.zone;
      if (e.targetRef?.name) labels['sonde.dev/pod'] = e.targetRef.name;
      const url = `${opts.scheme ?? 'http'}://${host}:${port}`;
      agents.set(url, { node, url, labels });
    }
  }
  return [...agents.values()].sort((a, b) => a.node.localeCompare(b.node));
}

export function endpointSliceDiscovery(opts: EndpointSliceOptions): Discovery {
  if (!opts.apiUrl) throw new FleetConfigError('EndpointSlice discovery needs the API server URL');
  const base = opts.apiUrl.replace(/\/+$/, '');
  const ns = encodeURIComponent(opts.namespace ?? 'default');
  const sel = encodeURIComponent(`kubernetes.io/service-name=${opts.service}`);
  const url = `${base}/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=${sel}`;
  return {
    kind: 'endpointslices',
    async agents() {
      const token = opts.token ?? (opts.tokenFile ? readMaybe(opts.tokenFile) : undefined);
      const list = (await getJson(url, token, opts.ca, opts.timeoutMs ?? 5000)) as { items?: EndpointSlice[] };
      return agentsFromSlices(list.items ?? [], opts);
    },
  };
}
