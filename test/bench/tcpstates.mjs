#!/usr/bin/env node
// Bench of the event path with tcpstates: connection churn on loopback (bounded: CHILDREN processes,
// each at most CONNS connect/accept/close cycles or MAX_MS, whichever comes first), measured in one run
//   1. untraced                       connections/s
//   2. sonde tcpstates (a real job)   connections/s, events/s delivered, events lost; inline and
//      through JobRunner (the API's path: a worker thread, records posted to the main thread)
//   3. untraced again
//   2-3 repeat BENCH_ROUNDS times (default 3): each traced run is compared with the untraced runs
//   before and after it, and the goal line takes the median over the rounds
//   4. bpftrace printf on the same tracepoint: connections/s, events/s printed, "Lost N events"
//   5. sonde with kernel.bpf_stats_enabled=1, for the programs' run time (BENCH_BPF_STATS=0 skips)
//   6. untraced / sonde / untraced with a BENCH_PAYLOAD-byte request and response on every
//      connection (default 2048; 0 skips): the same events with some work around them
//   7. starved consumers (BENCH_STARVE=0 skips): sonde (default ring, then 256 MiB) and bpftrace at
//      nice 19 under the churn at nice 0: what each loses when user space cannot keep up
//   8. owners (BENCH_OWNERS=0 skips): the programs' run time per event with kernel.bpf_stats_enabled=1
//      — this build (the socket's cgroup read into every event), an owner filter that keeps every
//      event (a hash lookup per event), and with BENCH_BEFORE_OBJ=<an older tcpstates.bpf.o> that
//      object, swapped in for its rows — in interleaved rounds against untraced runs, medians
// and, separately, how many tcpstates events one thread decodes per second from a large buffer of
// real-layout ring-buffer records (splitRecords + decodeEvent, what the worker does per batch).
// Goals (issue 3): traced >= 0.95x untraced, no loss where bpftrace loses, >= 300 000 decoded/s.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Catalog, JobRunner, runJobInline } from '@sonde/core-loader';
import { OwnerResolver, procCgroupPath, splitRecords } from '@sonde/probe-sdk';

const CHILDREN = Number(process.env.BENCH_CHILDREN ?? 4);
const CONNS = Number(process.env.BENCH_CONNS ?? 20_000);
const MAX_MS = Number(process.env.BENCH_MAX_MS ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const DECODE_RECORDS = Number(process.env.BENCH_DECODE_RECORDS ?? 500_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PAYLOAD = Number(process.env.BENCH_PAYLOAD ?? 2048);

const CHILD = `
const net = require('net');
const [conns, maxMs, conc, payload] = process.argv.slice(1).map(Number);
const bytes = Buffer.alloc(payload, 120);
// payload 0: connect and close; else the client sends payload bytes and the server answers as many
const srv = net.createServer((s) => {
  let got = 0;
  s.on('error', () => {});
  s.on('data', (d) => { got += d.length; if (payload && got >= payload && !s.answered) { s.answered = true; s.write(bytes); } });
  s.on('end', () => s.end());
});
srv.listen(0, '127.0.0.1', async () => {
  const port = srv.address().port;
  const until = Date.now() + maxMs;
  let started = 0, done = 0, failed = 0;
  const t0 = process.hrtime.bigint();
  const one = () => new Promise((r) => {
    let got = 0;
    const c = net.connect(port, '127.0.0.1', () => (payload ? c.write(bytes) : c.end()));
    c.on('error', () => { failed++; r(); });
    c.on('close', () => r());
    c.on('data', (d) => { got += d.length; if (got >= payload) c.end(); });
  });
  const lane = async () => { while (started < conns && Date.now() < until) { started++; await one(); done++; } };
  await Promise.all(Array.from({ length: conc }, lane));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ done, failed, ms, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\\n');
  srv.close();
});
`;

/** machine-wide CPU time (ms) from /proc/stat: busy (user+nice+system+irq+softirq+steal), softirq, idle */
function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const tick = 1000 / 100; // USER_HZ
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  return { busy: (user + nice + system + irq + softirq + steal) * tick, softirq: softirq * tick, idle: (idle + iowait) * tick };
}

/** run the churn in CHILDREN processes; connections/s over the slowest child's wall time */
async function churn(during, payload = 0, { niceKids = false } = {}) {
  const m0 = machineCpu();
  const self0 = process.cpuUsage();
  const kids = Array.from({ length: CHILDREN }, () => {
    const args = ['-e', CHILD, String(CONNS), String(MAX_MS), String(CONCURRENCY), String(payload)];
    // niceKids: this thread runs at nice 19 (a starved consumer); the workload back at nice 0
    const p = niceKids
      ? spawn('nice', ['-n', '-19', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    return new Promise((resolve, reject) => p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`churn child exited ${code}`)))));
  });
  const rs = await Promise.all(kids);
  const extra = during ? during() : {};
  const self = process.cpuUsage(self0);
  const m1 = machineCpu();
  const done = rs.reduce((s, r) => s + r.done, 0);
  const ms = Math.max(...rs.map((r) => r.ms));
  const cpu = {
    machineBusy: m1.busy - m0.busy,
    machineIdle: m1.idle - m0.idle,
    softirq: m1.softirq - m0.softirq,
    workload: rs.reduce((s, r) => s + r.cpuMs, 0),
    tracer: (self.user + self.system) / 1000,
  };
  return { done, failed: rs.reduce((s, r) => s + r.failed, 0), ms, perS: (done / ms) * 1000, cpu, ...extra };
}

/** run time of the loaded programs whose name starts with `prefix` (kernel.bpf_stats_enabled must be 1) */
function bpfStats(prefix) {
  try {
    const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' }));
    let ns = 0, cnt = 0;
    for (const p of progs) if (p.name?.startsWith(prefix)) { ns += p.run_time_ns ?? 0; cnt += p.run_cnt ?? 0; }
    return cnt ? { bpf: { ms: ns / 1e6, runs: cnt, nsPerRun: ns / cnt } } : {};
  } catch {
    return {};
  }
}

/** kernel.bpf_stats_enabled=1 around fn, restored to its value before */
async function withBpfStats(fn) {
  const path = '/proc/sys/kernel/bpf_stats_enabled';
  let before;
  try {
    before = readFileSync(path, 'utf8').trim();
    writeFileSync(path, '1');
  } catch {
    return fn();
  }
  try {
    return await fn();
  } finally {
    writeFileSync(path, before);
  }
}

async function withSonde(payload = 0, { bufferKiB, starve = false, params = {}, owners } = {}) {
  const catalog = await Catalog.discover();
  const ac = new AbortController();
  let attached;
  const ready = new Promise((r) => (attached = r));
  let delivered = 0;
  const p = { ...params, ...(bufferKiB ? { bufferKiB } : {}) };
  const job = runJobInline('tcpstates', p, { catalog, durationMs: MAX_MS + 20_000, signal: ac.signal, maxEvents: 0, onAttached: attached, onEvents: (b) => (delivered += b.length), ...(owners ? { owners } : {}) });
  await ready;
  if (starve) setPriority(19);
  let w;
  try {
    w = await churn(() => bpfStats('tcpstates_'), payload, { niceKids: starve });
  } finally {
    if (starve) setPriority(0);
  }
  ac.abort();
  const r = await job;
  if (r.error) throw new Error(`tcpstates job failed: ${r.error.message}`);
  return { ...w, events: r.stats.events, lost: r.stats.lost, delivered, variant: r.variant };
}

/** the same job through JobRunner: a piscina worker decodes, batches cross a MessagePort (the API's path) */
async function withSondeRunner() {
  const catalog = await Catalog.discover();
  let attached, finished;
  const ready = new Promise((r) => (attached = r));
  const done = new Promise((r) => (finished = r));
  let delivered = 0;
  const runner = new JobRunner({
    catalog,
    maxEvents: 0,
    hooks: { attached: () => attached(), events: (_id, b) => (delivered += b.length), done: (_id, _st, res) => finished(res) },
  });
  try {
    runner.start({ id: 'bench', probe: 'tcpstates', params: catalog.validateParams('tcpstates', {}), durationMs: MAX_MS + 20_000 });
    await ready;
    const w = await churn(() => bpfStats('tcpstates_'));
    runner.stop('bench');
    const r = await done;
    if (r.error) throw new Error(`tcpstates job failed: ${r.error.message}`);
    return { ...w, events: r.stats.events, lost: r.stats.lost, delivered, variant: r.variant };
  } finally {
    await runner.close();
  }
}

async function withBpftrace({ starve = false } = {}) {
  const prog =
    'tracepoint:sock:inet_sock_set_state { printf("%p %d %s %d %d %d %d\\n", args->skaddr, pid, comm, args->sport, args->dport, args->oldstate, args->newstate); }';
  const bt = starve
    ? spawn('nice', ['-n', '19', 'bpftrace', '-e', prog], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('bpftrace', ['-e', prog], { stdio: ['ignore', 'pipe', 'pipe'] });
  // every line is an event, but "Attaching N probes..." and "Lost N events" (bpftrace's own notices)
  let lines = 0;
  let lost = 0;
  let attachedResolve;
  const attached = new Promise((r) => (attachedResolve = r));
  const scanner = () => {
    let rest = '';
    return (d) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop();
      for (const l of parts) {
        const m = /^Lost (\d+) events/.exec(l);
        if (m) lost += Number(m[1]);
        else if (/^Attaching \d+ probe/.test(l)) attachedResolve();
        else lines++;
      }
    };
  };
  bt.stdout.on('data', scanner());
  bt.stderr.on('data', scanner());
  const t = setTimeout(() => attachedResolve(), 15_000);
  await attached;
  clearTimeout(t);
  const w = await churn();
  // let it print what its buffers still hold (up to 5 s), as sonde's job drains its ring at the end
  for (let seen = -1, i = 0; seen !== lines && i < 25; i++) {
    seen = lines;
    await new Promise((r) => setTimeout(r, 200));
  }
  const exited = new Promise((r) => bt.on('exit', r));
  bt.kill('SIGINT');
  await exited;
  return { ...w, events: lines, lost };
}

/** fn() with `obj` in place of the tcpstates probe's own object (put back afterwards) */
async function withObject(obj, fn) {
  const dist = new URL('../../packages/probes-tcpstates/dist/tcpstates.bpf.o', import.meta.url).pathname;
  const mine = readFileSync(dist);
  writeFileSync(dist, readFileSync(obj));
  try {
    return await fn();
  } finally {
    writeFileSync(dist, mine);
  }
}

async function decodeRate() {
  const dist = (f) => import(`@sonde/probes-tcpstates/dist/${f}`).catch(() => import(new URL(`../../packages/probes-tcpstates/dist/${f}`, import.meta.url).href));
  const { decodeEvent } = await dist('decode.js');
  // the records are built from the generated layout of struct tcpstates_event (bpf/tcpstates.h)
  const { tcpstates_event } = await dist('layout.gen.js');
  const EVENT_SIZE = tcpstates_event.size;
  const rec = (4 + EVENT_SIZE + 7) & ~7;
  const buf = Buffer.alloc(rec * DECODE_RECORDS);
  const now = process.hrtime.bigint();
  const lo = [127, 0, 0, 1];
  for (let i = 0; i < DECODE_RECORDS; i++) {
    const o = i * rec;
    buf.writeUInt32LE(EVENT_SIZE, o);
    tcpstates_event.encodeInto(buf, o + 4, {
      h: {
        ts_ns: now - BigInt(DECODE_RECORDS - i) * 1000n,
        skaddr: 0xffff888000000000n + BigInt(i % 4096) * 2304n,
        pid: 1000 + (i % 4),
        comm: 'node',
        t: { family: 2, lport: 30000 + (i % 30000), rport: 8080, laddr: lo, raddr: lo },
      },
      delta_ns: i * 37,
      oldstate: 1 + (i % 11),
      newstate: 1 + ((i + 1) % 11),
      known: 1,
    });
  }
  let n = 0;
  const t0 = process.hrtime.bigint();
  for (const s of splitRecords(buf, DECODE_RECORDS)) if (decodeEvent(s)) n++;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { n, s, perS: n / s };
}

const fmt = (v) => Math.round(v).toLocaleString('en-US');
const cpuLine = (r) => {
  const c = r.cpu;
  const secs = r.ms / 1000;
  const pct = (v) => `${Math.round(v / 10 / secs)}%`;
  return (
    `    cpu (of ${cpus * 100}%): busy ${pct(c.machineBusy)} idle ${pct(c.machineIdle)}; workload ${pct(c.workload)}` +
    `, bench process ${pct(c.tracer)}` +
    `, softirq ${pct(c.softirq)}` +
    (r.bpf ? `; bpf programs ${pct(r.bpf.ms)} (${fmt(r.bpf.runs)} runs, ${Math.round(r.bpf.nsPerRun)} ns/run)` : '')
  );
};
const line = (name, r, base) =>
  `${name.padEnd(26)} ${fmt(r.perS).padStart(8)} conn/s  ${(r.perS / base).toFixed(2)}x` +
  (r.events !== undefined ? `  events ${fmt(r.events).padStart(9)}  ${fmt((r.events / r.ms) * 1000).padStart(8)} ev/s  lost ${fmt(r.lost)}` : '') +
  (r.failed ? `  (${r.failed} failed connects)` : '');

const cpus = execFileSync('nproc', { encoding: 'utf8' }).trim();
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
console.log(`sonde tcpstates bench: ${CHILDREN} processes x ${CONCURRENCY} lanes, up to ${CONNS} connections each or ${MAX_MS} ms; ${cpus} CPUs; ${ROUNDS} rounds`);
console.log('(kernel.bpf_stats_enabled off, as in production, except on the row that measures the programs)');
// Rounds interleave untraced and traced runs, so drift in what the machine gives us hits both; each
// traced run is compared with the mean of the untraced runs around it, and the medians are reported.
const rows = { untraced: [], sonde: [], pooled: [] };
const ratios = { sonde: [], pooled: [] };
let prev = await churn();
rows.untraced.push(prev);
console.log(line('untraced', prev, prev.perS));
console.log(cpuLine(prev));
const base0 = prev.perS;
for (let round = 1; round <= ROUNDS; round++) {
  const sonde = await withSonde();
  console.log(line(`sonde tcpstates`, sonde, base0) + `  (round ${round}, variant ${sonde.variant})`);
  console.log(cpuLine(sonde));
  const pooled = process.env.BENCH_RUNNER === '0' ? null : await withSondeRunner();
  if (pooled) {
    console.log(line(`sonde via JobRunner`, pooled, base0) + `  (worker pool, events posted to the main thread)`);
    console.log(cpuLine(pooled));
  }
  const next = await churn();
  console.log(line('untraced', next, base0));
  console.log(cpuLine(next));
  const around = (prev.perS + next.perS) / 2;
  rows.sonde.push(sonde);
  ratios.sonde.push(sonde.perS / around);
  if (pooled) {
    rows.pooled.push(pooled);
    ratios.pooled.push(pooled.perS / around);
  }
  rows.untraced.push(next);
  prev = next;
}
const bt = await withBpftrace();
console.log(line('bpftrace printf', bt, base0));
console.log(cpuLine(bt));
const after = await churn();
console.log(line('untraced', after, base0));
console.log(cpuLine(after));
rows.untraced.push(after);
const btRatio = bt.perS / ((prev.perS + after.perS) / 2);
const stats = process.env.BENCH_BPF_STATS === '0' ? null : await withBpfStats(withSonde);
if (stats) {
  console.log(line('sonde + bpf_stats', stats, base0) + '  (program run time counted: costs the workload itself)');
  console.log(cpuLine(stats));
}
// The machine may be shared: what a run gets of the CPUs varies, so also compare the CPU each
// connection cost (workload processes + the tracing process), which other load does not change much.
const usPerConn = (r, withTracer) => ((r.cpu.workload + (withTracer ? r.cpu.tracer : 0)) * 1000) / r.done;
const baseUs = median(rows.untraced.map((r) => usPerConn(r, false)));
const medUs = (rs) => median(rs.map((r) => usPerConn(r, true)));
const tracerUs = (rs) => median(rs.map((r) => (r.cpu.tracer * 1000) / r.done));
console.log(
  `cpu per connection (medians): untraced ${baseUs.toFixed(1)} us; sonde ${medUs(rows.sonde).toFixed(1)} us ` +
    `(tracer process ${tracerUs(rows.sonde).toFixed(1)}` +
    (stats?.bpf ? `; bpf programs ${((stats.bpf.ms * 1000) / stats.done).toFixed(1)} us, ${Math.round(stats.bpf.nsPerRun)} ns/run` : '') +
    `) -> cpu-normalized sonde ${(baseUs / medUs(rows.sonde)).toFixed(2)}x` +
    (rows.pooled.length ? `, via JobRunner ${(baseUs / medUs(rows.pooled)).toFixed(2)}x (tracer process ${tracerUs(rows.pooled).toFixed(1)} us)` : '') +
    `; bpftrace (workload only, its own process not counted) ${(baseUs / usPerConn(bt, false)).toFixed(2)}x`,
);
const fr = (xs) => `${median(xs).toFixed(2)}x (rounds ${xs.map((x) => x.toFixed(2)).join(', ')})`;
console.log(
  `traced/untraced, each run against the untraced runs around it: sonde ${fr(ratios.sonde)}` +
    (ratios.pooled.length ? `, via JobRunner ${fr(ratios.pooled)}` : '') +
    `, bpftrace ${btRatio.toFixed(2)}x`,
);
// The rounds above are the worst case: connections that carry nothing, all of their cost is the
// handshake and teardown that tcpstates traces. With a small request/response on each (PAYLOAD
// bytes each way) the same events come with the work a real service does.
if (PAYLOAD > 0) {
  const u1 = await churn(undefined, PAYLOAD);
  console.log(line(`untraced, ${PAYLOAD} B req/resp`, u1, u1.perS));
  const t = await withSonde(PAYLOAD);
  console.log(line(`sonde, ${PAYLOAD} B req/resp`, t, u1.perS));
  const u2 = await churn(undefined, PAYLOAD);
  console.log(line(`untraced, ${PAYLOAD} B req/resp`, u2, u1.perS));
  console.log(`with a ${PAYLOAD}-byte request and response per connection: sonde ${(t.perS / ((u1.perS + u2.perS) / 2)).toFixed(2)}x untraced (lost ${t.lost})`);
}
// Starved consumers: the tracer at nice 19 under the same churn at nice 0, so user space cannot keep
// up and the kernel buffers decide what is lost. bpftrace (per-CPU perf buffers) against sonde with
// its default ring and with the largest (bufferKiB 262144) (BENCH_STARVE=0 skips).
let starved = '';
if (process.env.BENCH_STARVE !== '0') {
  const sv = await withSonde(0, { starve: true });
  console.log(line('sonde, nice 19', sv, base0) + `  (bufferKiB 16384)`);
  const big = await withSonde(0, { starve: true, bufferKiB: 262_144 });
  console.log(line('sonde, nice 19', big, base0) + `  (bufferKiB 262144)`);
  const bts = await withBpftrace({ starve: true });
  console.log(line('bpftrace, nice 19', bts, base0));
  const pct = (r) => `${((100 * r.lost) / Math.max(1, r.lost + r.events)).toFixed(1)}%`;
  console.log(`starved consumer: events lost — bpftrace ${fmt(bts.lost)} (${pct(bts)}), sonde ${fmt(sv.lost)} (${pct(sv)}) with the default ring, ${fmt(big.lost)} (${pct(big)}) with a 256 MiB ring`);
  starved = `; starved at nice 19: bpftrace lost ${pct(bts)}, sonde ${pct(big)} with bufferKiB 262144 (${pct(sv)} with the default)`;
}
// 8. owners: what reading the socket's cgroup (and an owner filter) costs the programs per event
if (process.env.BENCH_OWNERS !== '0') {
  const before = process.env.BENCH_BEFORE_OBJ;
  const owners = new OwnerResolver();
  // the churn's sockets are made in this process's cgroup: a filter on it keeps every event
  const filter = { cgroup: procCgroupPath('self') ?? '/' };
  const kinds = [...(before ? [['before', () => withObject(before, () => withBpfStats(withSonde))]] : []), ['this build', () => withBpfStats(withSonde)], ['owner filter', () => withBpfStats(() => withSonde(0, { params: filter, owners }))]];
  const got = Object.fromEntries(kinds.map(([k]) => [k, { ns: [], ratio: [] }]));
  for (let round = 1; round <= ROUNDS; round++) {
    const u = await churn();
    for (const [k, run] of kinds) {
      const r = await run();
      got[k].ns.push(r.bpf?.nsPerRun ?? NaN);
      got[k].ratio.push(r.perS / u.perS);
      console.log(line(`owners: ${k}`, r, u.perS) + `  (round ${round}; ${r.bpf ? `${Math.round(r.bpf.nsPerRun)} ns/run` : 'no bpf stats'})`);
    }
  }
  const ns = (k) => median(got[k].ns);
  const vs = before ? ` = ${(ns('this build') / ns('before')).toFixed(2)}x the ${Math.round(ns('before'))} ns of ${before.split('/').pop()}` : '';
  console.log(
    `owners: programs' run time per event (median of ${ROUNDS}): this build ${Math.round(ns('this build'))} ns${vs}; ` +
      `with an owner filter ${Math.round(ns('owner filter'))} ns (${(ns('owner filter') / ns('this build')).toFixed(2)}x); ` +
      `traced/untraced with bpf_stats: ${kinds.map(([k]) => `${k} ${median(got[k].ratio).toFixed(2)}`).join(', ')}`,
  );
}

const d = await decodeRate();
console.log(`decode (one thread) ${fmt(d.perS)} events/s  (${fmt(d.n)} records of real layout in ${d.s.toFixed(2)} s)`);
const lost = rows.sonde.reduce((a, r) => a + r.lost, 0) + rows.pooled.reduce((a, r) => a + r.lost, 0);
const peak = Math.max(...[...rows.sonde, ...rows.pooled].map((r) => (r.events / r.ms) * 1000));
console.log(
  `goals: traced/untraced ${median(ratios.sonde).toFixed(2)}` +
    (ratios.pooled.length ? ` (via JobRunner ${median(ratios.pooled).toFixed(2)})` : '') +
    ` (>= 0.95); sonde lost ${lost} at up to ${fmt(peak)} events/s where bpftrace lost ${bt.lost}${starved} (0 wanted where bpftrace loses); decode ${fmt(d.perS)}/s (>= 300,000)`,
);
