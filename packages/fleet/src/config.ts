/**
 * The coordinator's settings. Its own listener and tokens are the agent's (SONDE_HOST, SONDE_PORT,
 * SONDE_TOKENS / SONDE_CONFIG, with the same refusal to listen beyond loopback without tokens);
 * the fleet adds where the agents are and how to talk to them.
 *
 *   SONDE_FLEET_AGENTS        static list: url[;node=name][;k=v...],...   (wins over the Service)
 *   SONDE_FLEET_SERVICE       the agents' headless Service: EndpointSlice discovery
 *   SONDE_FLEET_NAMESPACE     its namespace (default: the pod's, from the service-account files)
 *   SONDE_FLEET_K8S_API       API server URL (default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)
 *   SONDE_FLEET_K8S_TOKEN_FILE / SONDE_FLEET_K8S_CA   (default: the service-account token and ca.crt)
 *   SONDE_FLEET_PORT_NAME     the Service port to use (default `http`)
 *   SONDE_FLEET_TOKEN         bearer token the coordinator presents to agents (or SONDE_FLEET_TOKEN_FILE)
 *   SONDE_FLEET_TIMEOUT_MS    per-request timeout to an agent (default 5000)
 *   SONDE_FLEET_PODS          'off': no cluster-wide pod and service caches (default: on wherever the API is in
 *                             reach; pod-selected jobs then go to the pods' nodes only, remote addresses get pod
 *                             and Service names)
 */
import { readFileSync } from 'node:fs';
import { loadConfig, type Config } from '@sonde/control-api';
import { inClusterApi, type K8sApi } from '@sonde/probe-sdk';
import { FleetConfigError, parseStaticAgents, staticDiscovery, type Discovery } from './agents.js';
import { endpointSliceDiscovery, inClusterOptions } from './endpointslices.js';

export interface FleetConfig {
  server: Config;
  discovery: Discovery;
  agentToken: string | undefined;
  requestTimeoutMs: number;
  /** the API to watch every pod and Service from (placement.ts), or undefined */
  podsApi: K8sApi | undefined;
}

export function loadFleetConfig(env: NodeJS.ProcessEnv = process.env): FleetConfig {
  const server = loadConfig(env);
  let discovery: Discovery;
  if (env.SONDE_FLEET_AGENTS) discovery = staticDiscovery(parseStaticAgents(env.SONDE_FLEET_AGENTS));
  else if (env.SONDE_FLEET_SERVICE) discovery = endpointSliceDiscovery(inClusterOptions(env, env.SONDE_FLEET_SERVICE));
  else throw new FleetConfigError('fleet mode needs SONDE_FLEET_AGENTS (a static list) or SONDE_FLEET_SERVICE (the agents\' headless Service)');
  const agentToken = env.SONDE_FLEET_TOKEN || (env.SONDE_FLEET_TOKEN_FILE ? readFileSync(env.SONDE_FLEET_TOKEN_FILE, 'utf8').trim() : undefined);
  const t = Number(env.SONDE_FLEET_TIMEOUT_MS ?? 5000);
  if (!Number.isFinite(t) || t < 100) throw new FleetConfigError(`SONDE_FLEET_TIMEOUT_MS=${env.SONDE_FLEET_TIMEOUT_MS}: a number of ms >= 100`);
  const api = inClusterApi(env, 'SONDE_FLEET_K8S');
  const podsApi = env.SONDE_FLEET_PODS !== 'off' && api.apiUrl ? { ...api, apiUrl: api.apiUrl } : undefined;
  return { server, discovery, agentToken, requestTimeoutMs: t, podsApi };
}
