#!/usr/bin/env node
// tcpsubnet's kernel cost per send, in one run: the program's run time (kernel.bpf_stats_enabled, through
// the object's enableStats) over 20 000 loopback sends of 100 bytes, per row kind:
//   none       one array lookup per send (the default: rows per subnet)
//   container  a hash lookup-or-insert keyed by slot and the sending socket's cgroup (`by`: rows per owner)
// The ratio is container against none, measured in the same run. Bounded: RUNS rounds of SENDS sends each.
// Needs root and a build; nothing stays attached (each round closes its object).
import { spawnSync } from 'node:child_process';
import { native } from '../../packages/core-loader/dist/index.js';
import tcpsubnet, { globalsFor, params } from '../../packages/probes-tcpsubnet/dist/index.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SENDS = Number(process.env.BENCH_SENDS ?? 20_000);

const SENDER = `
import socket, sys, threading
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(1)
def serve():
    c, _ = srv.accept()
    while c.recv(65536): pass
t = threading.Thread(target=serve); t.start()
s = socket.create_connection(srv.getsockname()); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for _ in range(int(sys.argv[1])): s.send(b'x' * 100)
s.close(); t.join()
`;

/** the rodata bytes of a generated Globals value, as the loader writes them (little-endian numbers) */
function bytesOf(v, size) {
  const b = new Uint8Array(size);
  if (v instanceof Uint8Array) b.set(v.subarray(0, size));
  else for (let i = 0, x = BigInt(typeof v === 'boolean' ? Number(v) : v); i < size; i++, x >>= 8n) b[i] = Number(x & 0xffn);
  return b;
}

/** ns per send of tcpsubnet_send with `by`, over one round of loopback sends */
function round(by) {
  const obj = native().BpfObject.open(tcpsubnet.bpf.object);
  try {
    for (const p of obj.programs()) obj.setAutoload(p.name, p.name === 'tcpsubnet_send');
    const sizes = new Map(obj.globals().map((g) => [g.name, g.size]));
    for (const [k, v] of Object.entries(globalsFor(params.parse({ subnets: '127.0.0.0/8,0.0.0.0/0', by })))) obj.setGlobal(k, bytesOf(v, sizes.get(k)));
    obj.load();
    if (!obj.enableStats()) throw new Error('kernel.bpf_stats_enabled could not be switched on');
    obj.attach();
    const r = spawnSync('python3', ['-c', SENDER, String(SENDS)], { timeout: 60_000 });
    if (r.status !== 0) throw new Error(`sender exited ${r.status}: ${r.stderr}`);
    const st = obj.programStats().find((s) => s.name === 'tcpsubnet_send');
    if (!st || st.runCount < SENDS) throw new Error(`tcpsubnet_send ran ${st?.runCount ?? 0} times for ${SENDS} sends`);
    return st.runTimeNs / st.runCount;
  } finally {
    obj.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const got = { none: [], container: [] };
for (let i = 0; i < RUNS; i++) for (const by of Object.keys(got)) got[by].push(round(by));
const none = median(got.none);
const container = median(got.container);
console.log(`tcpsubnet_send, ${RUNS} rounds of ${SENDS} loopback sends (median ns per send):`);
console.log(`  none       ${none.toFixed(1)} ns   (rows per subnet: one array lookup)`);
console.log(`  container  ${container.toFixed(1)} ns   (rows per subnet and owner: a hash keyed by slot and cgroup)  ${(container / none).toFixed(2)}x none`);
