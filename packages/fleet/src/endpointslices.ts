/**
 * Discovery through the Kubernetes API: the EndpointSlices of the agents' headless Service
 * (`kubernetes.io/service-name=<svc>`), read with the pod's service-account token and CA. Needs
 * only `get/list/watch` on `discovery.k8s.io/endpointslices` in the agents' namespace (the chart's
 * Role). Each ready endpoint is one agent; its labels come from the endpoint itself (nodeName,
 * zone, deprecatedTopology), since reading Node objects would need a ClusterRole. The transport
 * (token, CA, errors) is the SDK's k8s-api.ts, shared with the agents' pod watch.
 */
import { inClusterApi, k8sGetJson, readTrimmed, SA_DIR } from '@sonde/probe-sdk';
import type { Agent, Discovery } from './agents.js';
import { FleetConfigError } from './agents.js';

export { SA_DIR };

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

/** options from the environment and the service-account files, as a pod sees them */
export function inClusterOptions(env: NodeJS.ProcessEnv, service: string): EndpointSliceOptions {
  const api = inClusterApi(env, 'SONDE_FLEET_K8S');
  if (!api.apiUrl) throw new FleetConfigError('SONDE_FLEET_SERVICE is set but neither SONDE_FLEET_K8S_API nor KUBERNETES_SERVICE_HOST is');
  return {
    ...api,
    service,
    namespace: env.SONDE_FLEET_NAMESPACE ?? readTrimmed(`${SA_DIR}/namespace`) ?? 'default',
    portName: env.SONDE_FLEET_PORT_NAME,
    scheme: env.SONDE_FLEET_AGENT_SCHEME === 'https' ? 'https' : 'http',
  };
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
  const path = `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=${sel}`;
  return {
    kind: 'endpointslices',
    async agents() {
      const list = (await k8sGetJson({ apiUrl: base, token: opts.token, tokenFile: opts.tokenFile, ca: opts.ca, timeoutMs: opts.timeoutMs }, path)) as { items?: EndpointSlice[] };
      return agentsFromSlices(list.items ?? [], opts);
    },
  };
}
