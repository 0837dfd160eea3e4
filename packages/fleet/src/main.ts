/** `sonde serve --fleet` / `node packages/fleet/dist/main.js`: the fleet coordinator. */
import { serve } from '@hono/node-server';
import { ConfigError } from '@sonde/control-api';
import { FleetConfigError } from './agents.js';
import { createFleetApp } from './app.js';
import { loadFleetConfig, type FleetConfig } from './config.js';
import { Coordinator } from './coordinator.js';
import { PodCache } from '@sonde/probe-sdk';

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
// every pod of the cluster (no node filter): where pod-selected jobs go, and who remote addresses are
const pods = cfg.podsApi ? new PodCache({ api: cfg.podsApi, onError: (err) => console.warn(`sonde fleet: pod watch: ${err.message}`) }).start() : undefined;
const coord = new Coordinator({ discovery: cfg.discovery, token: cfg.agentToken, requestTimeoutMs: cfg.requestTimeoutMs, pods });
coord.startPolling();
const app = createFleetApp(coord, { tokens: cfg.server.tokens });
const server = serve({ fetch: app.fetch, hostname: cfg.server.host, port: cfg.server.port }, (info) => {
  console.log(`sonde fleet: listening on http://${info.address}:${info.port}, agents from ${cfg.discovery.kind}${pods ? `, pods from ${cfg.podsApi!.apiUrl}` : ', no pod cache'}`);
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
