/** `sonde serve --fleet` / `node packages/fleet/dist/main.js`: the fleet coordinator. */
import { serve } from '@hono/node-server';
import { ConfigError } from '@sonde/control-api';
import { FleetConfigError } from './agents.js';
import { createFleetApp } from './app.js';
import { loadFleetConfig, type FleetConfig } from './config.js';
import { Coordinator } from './coordinator.js';
import { PodCache, ServiceCache } from '@sonde/probe-sdk';

function config(): FleetConfig {
  try {
    return loadFleetConfig();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof FleetConfigError) {
      console.error(`sonde fleet: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}

const cfg = config();
// every pod of the cluster (no node filter): where pod-selected jobs go, and who remote addresses are;
// every Service: which remote addresses are a Service's
const pods = cfg.podsApi ? new PodCache({ api: cfg.podsApi, onError: (err) => console.warn(`sonde fleet: pod watch: ${err.message}`) }).start() : undefined;
const services = cfg.podsApi ? new ServiceCache({ api: cfg.podsApi, onError: (err) => console.warn(`sonde fleet: service watch: ${err.message}`) }).start() : undefined;
const coord = new Coordinator({ discovery: cfg.discovery, token: cfg.agentToken, requestTimeoutMs: cfg.requestTimeoutMs, pods, services });
coord.startPolling();
const app = createFleetApp(coord, { tokens: cfg.server.tokens });
const server = serve({ fetch: app.fetch, hostname: cfg.server.host, port: cfg.server.port }, (info) => {
  console.log(`sonde fleet: listening on http://${info.address}:${info.port}, agents from ${cfg.discovery.kind}${pods ? `, pods and services from ${cfg.podsApi!.apiUrl}` : ', no pod or service cache'}`);
});
server.on('error', (err) => {
  console.error(`sonde fleet: cannot listen on ${cfg.server.host}:${cfg.server.port}: ${err.message}`);
  process.exit(1);
});
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    server.close();
    process.exit(0);
  });
}
