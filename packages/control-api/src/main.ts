/**
 * `npm start`: serve the control plane. Wiring: the job store first (it marks jobs a dead
 * process left behind as interrupted), then the probe catalogue, then the runner whose hooks
 * write to the store, then the HTTP app over all three.
 */
import { serve } from '@hono/node-server';
import { Catalog, JobRunner, ownerResolution } from '@sonde/core-loader';
import { createApp } from './app.js';
import { AuditLog } from './audit.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { EventHub } from './events-hub.js';
import { jobHooks } from './hooks.js';
import { OtlpExporter } from './otlp/exporter.js';
import { JobStore } from './store.js';
import { VERSION } from './version.js';

/** how long a shutdown may take before we give up on partial results */
const SHUTDOWN_TIMEOUT_MS = 15_000;
/** how often finished jobs past their retention are pruned (also once at start) */
const PRUNE_EVERY_MS = 60 * 60_000;
/** how long a shutdown waits for OTLP exports in flight (theirs is at most 10 s) */
const OTLP_SHUTDOWN_MS = 5000;

function config(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`sonde: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const cfg = config();
  const startedAt = Date.now();

  const store = JobStore.open(cfg.dataDir);
  if (store.interrupted > 0) console.warn(`sonde: ${store.interrupted} job(s) from a previous run marked interrupted`);
  const prune = (): void => {
    try {
      const n = store.prune({ maxAgeMs: cfg.retention.days * 86_400_000, maxJobs: cfg.retention.jobs });
      if (n > 0) console.log(`sonde: pruned ${n} finished job(s) past retention (${cfg.retention.days} days, ${cfg.retention.jobs} jobs)`);
    } catch (err) {
      console.error('sonde: pruning failed', err);
    }
  };
  prune();
  setInterval(prune, PRUNE_EVERY_MS).unref();
  const audit = new AuditLog(cfg.auditFile);

  const catalog = await Catalog.discover();
  for (const p of catalog.list()) {
    console.log(`sonde: probe ${p.name}@${p.version} ${p.available ? `ready (${p.variant ?? '?'})` : `unavailable: ${p.reason ?? '?'}`}`);
  }

  // one owner resolution per process: the cgroup tree, and this node's pods when in a cluster
  const owners = ownerResolution();
  console.log(`sonde: ${owners.summary}`);

  const events = new EventHub({ maxEvents: cfg.maxEvents });
  const otlp = new OtlpExporter(store, cfg.otlp);
  const hooks = jobHooks(store, events, (id, result) => otlp.done(id, result));
  const runner = new JobRunner({ catalog, maxRunning: cfg.maxJobs, maxEvents: cfg.maxEvents, hooks, ...(owners.owners ? { owners: owners.owners } : {}) });
  const app = createApp({
    catalog,
    runner,
    store,
    startedAt,
    events,
    auth: { tokens: cfg.tokens, rateLimit: cfg.rateLimit },
    limits: { maxDurationMs: cfg.maxDurationMs, maxJobsPerProbe: cfg.maxJobsPerProbe },
    audit,
    config: cfg,
    otlp,
  });

  const server = serve({ fetch: app.fetch, hostname: cfg.host, port: cfg.port }, (info) => {
    console.log(`sonde ${VERSION}: listening on http://${info.address}:${info.port} (data ${cfg.dataDir}, max ${cfg.maxJobs} jobs)`);
    console.log(
      cfg.tokens.length
        ? `sonde: bearer tokens required on /v1/* (${cfg.tokens.map((t) => `${t.name}:${t.role}`).join(', ')})`
        : 'sonde: no tokens configured: open to loopback callers',
    );
    if (cfg.otlp.destinations.length) {
      console.log(`sonde: OTLP destinations: ${cfg.otlp.destinations.map((d) => `${d.name}${d.default ? ' (default)' : ''}`).join(', ')}`);
    }
  });

  let closing = false;
  const shutdown = async (why: string, code: number): Promise<void> => {
    if (closing) {
      console.error('sonde: second signal, exiting now');
      process.exit(1);
    }
    closing = true;
    console.log(`sonde: ${why}: stopping jobs (partial results are saved)`);
    const force = setTimeout(() => {
      console.error(`sonde: shutdown took over ${SHUTDOWN_TIMEOUT_MS} ms, exiting`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    force.unref();
    server.close();
    try {
      await runner.close(); // each running job's `done` arrives and is stored before this resolves
    } catch (err) {
      console.error('sonde: runner shutdown failed', err);
      code = 1;
    }
    await otlp.idle(OTLP_SHUTDOWN_MS); // exports of the results just stored, bounded
    await owners.stop();
    store.close();
    audit.close();
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  server.on('error', (err) => {
    console.error(`sonde: cannot listen on ${cfg.host}:${cfg.port}: ${err.message}`);
    void shutdown('server error', 1);
  });
}

await main();
