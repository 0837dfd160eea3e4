/**
 * What a result's fields are called in OpenTelemetry: semantic-convention names where one exists,
 * `sonde.<field>` (snake_case) for attributes and `sonde.<probe>.<path>` for metrics otherwise.
 */
import {
  ATTR_CONTAINER_ID,
  ATTR_K8S_CONTAINER_NAME,
  ATTR_K8S_NAMESPACE_NAME,
  ATTR_K8S_POD_LABEL,
  ATTR_K8S_POD_NAME,
  ATTR_K8S_POD_UID,
  ATTR_NETWORK_LOCAL_ADDRESS,
  ATTR_NETWORK_LOCAL_PORT,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_TYPE,
} from '@opentelemetry/semantic-conventions';
import {
  ATTR_CONTAINER_RUNTIME_NAME,
  ATTR_DESTINATION_ADDRESS,
  ATTR_DESTINATION_PORT,
  ATTR_NETWORK_CONNECTION_STATE,
  ATTR_PROCESS_EXECUTABLE_NAME,
  ATTR_PROCESS_PID,
  ATTR_PROCESS_USER_ID,
  ATTR_SOURCE_ADDRESS,
  ATTR_SOURCE_PORT,
  ATTR_THREAD_ID,
} from '@opentelemetry/semantic-conventions/incubating';

/** result fields with a semantic-convention name (the socket's view: local = this host's end) */
const SEMCONV: Record<string, string> = {
  laddr: ATTR_NETWORK_LOCAL_ADDRESS,
  lport: ATTR_NETWORK_LOCAL_PORT,
  raddr: ATTR_NETWORK_PEER_ADDRESS,
  rport: ATTR_NETWORK_PEER_PORT,
  // a packet's direction (per-packet timelines), not the socket's
  saddr: ATTR_SOURCE_ADDRESS,
  sport: ATTR_SOURCE_PORT,
  daddr: ATTR_DESTINATION_ADDRESS,
  dport: ATTR_DESTINATION_PORT,
  family: ATTR_NETWORK_TYPE,
  pid: ATTR_PROCESS_PID,
  tid: ATTR_THREAD_ID,
  uid: ATTR_PROCESS_USER_ID,
  comm: ATTR_PROCESS_EXECUTABLE_NAME,
  state: ATTR_NETWORK_CONNECTION_STATE,
};

/** the kernel's TCP state names → network.connection.state values (others: lower case) */
const STATES: Record<string, string> = {
  CLOSE: 'closed',
  SYN_RECV: 'syn_received',
  FIN_WAIT1: 'fin_wait_1',
  FIN_WAIT2: 'fin_wait_2',
};

export const snake = (s: string): string =>
  s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '') || '_';

export function attrName(field: string): string {
  return SEMCONV[field] ?? `sonde.${snake(field)}`;
}

/** a value as its attribute wants it: family 4 → 'ipv4', kernel state names → semconv values */
export function attrValue(field: string, v: unknown): unknown {
  if (field === 'family' && (v === 4 || v === 6)) return `ipv${v}`;
  if (field === 'state' && typeof v === 'string' && /^[A-Z_0-9]+$/.test(v)) return STATES[v] ?? v.toLowerCase();
  return v;
}

/** `sonde.<probe>.<path>`: a figure named by where it is in `data` (its declaration may name it instead) */
export function metricName(probe: string, path: readonly string[]): string {
  return `sonde.${[snake(probe), ...path.map(snake)].join('.')}`.slice(0, 255);
}

/** UCUM units (OpenTelemetry's convention) for the units results and declarations name */
const UCUM: Record<string, string> = { nsecs: 'ns', usecs: 'us', msecs: 'ms', secs: 's', ms: 'ms', bytes: 'By', KBytes: 'kBy', MBytes: 'MBy', '%': '%' };

export function ucum(unit: string): string {
  return UCUM[unit] ?? `{${snake(unit)}}`;
}

/**
 * An `owner` (probe-sdk's owner resolution: the cgroup, its container and pod) as attributes:
 * `k8s.pod.name`, `k8s.namespace.name`, `k8s.container.name`, `k8s.pod.uid`, `container.id`,
 * `container.runtime.name`, pod labels as `k8s.pod.label.<key>` (log records only: labels on metric
 * points would multiply the series), the rest `sonde.cgroup.*`.
 */
export function ownerAttributes(owner: unknown, withLabels: boolean): Record<string, string> {
  if (typeof owner !== 'object' || owner === null) return {};
  const o = owner as Record<string, unknown>;
  const out: Record<string, string> = {};
  const put = (k: string, v: unknown) => {
    if (typeof v === 'string' && v !== '') out[k] = v;
  };
  put(ATTR_K8S_POD_NAME, o.pod);
  put(ATTR_K8S_NAMESPACE_NAME, o.namespace);
  put(ATTR_K8S_CONTAINER_NAME, o.container);
  put(ATTR_K8S_POD_UID, o.podUid);
  put(ATTR_CONTAINER_ID, o.containerId);
  if (o.containerId) put(ATTR_CONTAINER_RUNTIME_NAME, o.runtime);
  put('sonde.cgroup.path', o.cgroupPath);
  put('sonde.cgroup.id', o.cgroupId);
  put('sonde.systemd.unit', o.unit);
  if (withLabels && typeof o.labels === 'object' && o.labels !== null) {
    for (const [k, v] of Object.entries(o.labels as Record<string, unknown>)) put(ATTR_K8S_POD_LABEL(k), v);
  }
  return out;
}
