#!/usr/bin/env node
// Owner resolution cost on a kubelet-shaped cgroup v2 tree made under this machine's v2 mount:
// per size (110 pods = kubelet's default max per node, and 1 000), each pod a pod slice with 3
// containerd scopes under its QoS slice, plus a pod cache listing them from an in-process API stub.
//   walk      one full synchronous walk of the hierarchy (what a miss costs, at most once per minRefreshMs)
//   async     the same walk in slices (refreshAsync): wall time, the longest slice (median of runs), and
//             the longest event-loop stall seen (includes the scheduler's: noisy on a loaded machine)
//   hit       CgroupHierarchy.byId on a cached id (decimal string, as events carry it)
//   owner     OwnerResolver.resolve on a cached id with pod names (the per-event cost)
//   negative  a miss answered from the negative cache / a throttled miss
//   filter    ownerCgroupIds for a podSelector over every pod (job start)
// Bounded: 2 sizes, fixed iteration counts, everything removed at the end. Needs root and a build.
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import { cgroup2Root, CgroupHierarchy, OwnerResolver, ownerCgroupIds, PodCache } from '../../packages/probe-sdk/dist/index.js';

const SIZES = (process.env.BENCH_PODS ?? '110,1000').split(',').map(Number);
const HITS = Number(process.env.BENCH_HITS ?? 2_000_000);
const WALKS = 9;
const root = cgroup2Root();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ns = (t0, n) => (Number(process.hrtime.bigint() - t0) / n).toFixed(0);
const QOS = ['burstable', 'besteffort', 'guaranteed'];

function rmTree(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmTree(`${dir}/${e.name}`);
  rmdirSync(dir);
}

async function bench(nPods) {
  const base = `/sonde-bench-${process.pid}-${nPods}`;
  const pods = [];
  mkdirSync(`${root}${base}/kubepods.slice/kubepods-burstable.slice`, { recursive: true });
  mkdirSync(`${root}${base}/kubepods.slice/kubepods-besteffort.slice`);
  for (let i = 0; i < nPods; i++) {
    const uid = randomUUID();
    const qos = QOS[i % 3];
    const slice = qos === 'guaranteed' ? `kubepods-pod${uid.replace(/-/g, '_')}.slice` : `kubepods-${qos}.slice/kubepods-${qos}-pod${uid.replace(/-/g, '_')}.slice`;
    const containers = [0, 1, 2].map((c) => ({ name: `c${c}`, id: randomBytes(32).toString('hex') }));
    for (const c of containers) mkdirSync(`${root}${base}/kubepods.slice/${slice}/cri-containerd-${c.id}.scope`, { recursive: true });
    pods.push({
      metadata: { uid, name: `app-${i}`, namespace: `ns${i % 7}`, labels: { app: `app${i % 10}` } },
      spec: { nodeName: 'bench' },
      status: { containerStatuses: containers.map((c) => ({ name: c.name, containerID: `containerd://${c.id}` })) },
    });
  }
  // the API stub: one list, then a watch that stays open
  const server = http.createServer((req, res) => {
    if (req.url.includes('watch=1')) return void res.writeHead(200, { 'content-type': 'application/json' });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'PodList', metadata: { resourceVersion: '1' }, items: pods }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const cache = new PodCache({ api: { apiUrl: `http://127.0.0.1:${server.address().port}` }, nodeName: 'bench' }).start();
  try {
    await cache.ready();
    const h = new CgroupHierarchy({ root, minRefreshMs: 1000 });
    const walks = [];
    for (let i = 0; i < WALKS; i++) walks.push(h.refresh().lastWalkMs);
    const asyncWall = [];
    const slices = [];
    const stall = monitorEventLoopDelay({ resolution: 1 });
    stall.enable();
    for (let i = 0; i < WALKS; i++) {
      const t = performance.now();
      slices.push((await h.refreshAsync()).lastWalkSliceMs);
      asyncWall.push(performance.now() - t);
    }
    stall.disable();
    const entries = h.entries().filter((e) => e.path.startsWith(base) && e.naming.containerId);
    const ids = entries.map((e) => e.id);
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < HITS; i++) h.byId(ids[i % ids.length]);
    const hit = ns(t0, HITS);
    const r = new OwnerResolver({ hierarchy: h, pods: cache });
    for (const id of ids) if (!r.resolve(id)?.pod) throw new Error(`no pod for ${id}`);
    t0 = process.hrtime.bigint();
    for (let i = 0; i < HITS; i++) r.resolve(ids[i % ids.length]);
    const owner = ns(t0, HITS);
    const big = ids.map((i) => BigInt(i));
    t0 = process.hrtime.bigint();
    for (let i = 0; i < HITS; i++) r.resolve(big[i % big.length]);
    const ownerBig = ns(t0, HITS);
    h.byId('4294967295123'); // walks (the last walk is old enough? no: throttled) then negative
    h.refresh();
    h.byId('4294967295123');
    t0 = process.hrtime.bigint();
    for (let i = 0; i < 200_000; i++) h.byId('4294967295123');
    const negative = ns(t0, 200_000);
    t0 = process.hrtime.bigint();
    for (let i = 0; i < 200_000; i++) h.byId(String(4294967296000 + i));
    const throttled = ns(t0, 200_000);
    const f0 = performance.now();
    const sel = ownerCgroupIds({ podSelector: 'app in (app1,app2)' }, h, cache);
    const filterMs = performance.now() - f0;
    const rss = process.memoryUsage().rss / 2 ** 20;
    console.log(
      `${String(nPods).padStart(5)} pods ${String(h.stats.lastWalkEntries).padStart(6)} cgroups | walk ${median(walks).toFixed(2)} ms (min ${Math.min(...walks).toFixed(2)}) | ` +
        `async ${median(asyncWall).toFixed(1)} ms, slice ${median(slices).toFixed(2)} ms (loop stall max ${(stall.max / 1e6).toFixed(1)} ms) | ` +
        `hit ${hit} ns | owner ${owner} ns (${(1e3 / owner).toFixed(1)}M/s; bigint ids ${ownerBig} ns) | negative ${negative} ns, throttled miss ${throttled} ns | ` +
        `filter ${filterMs.toFixed(1)} ms for ${sel.ids.length} ids | rss ${rss.toFixed(0)} MB`,
    );
  } finally {
    await cache.stop();
    server.closeAllConnections();
    server.close();
    rmTree(`${root}${base}`);
  }
}

console.log(`sonde owner bench: cgroup v2 at ${root}, ${HITS} lookups per figure, node ${process.version}`);
for (const n of SIZES) await bench(n);
