/**
 * tcpsynbl against listeners the test makes in its own namespace pair (server in b, clients in a):
 *   - backlog N, TCP_DEFER_ACCEPT, never accepting: N clients join the queue (lengths 0..N-1), N+1
 *     more complete the handshake while it has room and then send data: the first joins at length
 *     N, the other N overflow, again at each retransmission — the overflow count is nstat's
 *     TcpExtListenOverflows delta in b exactly;
 *   - a plain listener with backlog N and 2N clients connecting without being accepted (the ordinary
 *     way, no TCP_DEFER_ACCEPT): samples 0..N; the SYNs refused while the queue is full are consumed,
 *     not freed as drops: fentry/kprobe see them one by one, elsewhere the listener's own drop counter
 *     counts them — nstat's ListenOverflows and ListenDrops deltas exactly either way;
 *   - the same as a user would do it: a backlog-1 listener on 127.0.0.1 in the host namespace and a
 *     dozen clients never accepted, against nstat there.
 * Every overflowing listener is named: address, port, namespace, owning process.
 * The variant is the one the catalogue picks on this kernel: fentry on 6.12, kprobe_no_rx_sk on 6.1,
 * tp_btf (drop reason and listener drop counters) on a kernel without fentry and kprobes, such as the
 * 6.18 development host.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog, runJobInline } from '@sonde/core-loader';
import type { Histogram, ResultEnvelope } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from '../../../test/support/kernel.js';
import { netnsPair, type NetnsPair } from '../../../test/support/netns.js';
import { nstat } from '../../../test/support/tc-drop.js';
import { hostLoopbackOverflow, ready } from '../../../test/support/listen-overflow.js';

interface Listener { maxBacklog: number; lport: number; hist: Histogram; max: number | null; overflows: number }
interface Socket {
  family: number;
  laddr: string;
  lport: number;
  netns: number;
  pid: number | null;
  comm: string | null;
  maxBacklog: number;
  backlogPeak: number;
  listenDrops: number | null;
  overflows: number;
  synOverflows: number;
  ackOverflows: number;
}
interface SynblData {
  byMaxBacklog: Array<{ maxBacklog: number; hist: Histogram; max: number | null; overflows: number }>;
  listeners: Listener[];
  overflows: number;
  listenDrops: number | null;
  overflowReason: string | null;
  overflowsCountedBy: 'fentry' | 'kprobe' | 'listener_drops' | null;
  listenSockets: Socket[];
  series?: Array<{ at: string; listeners: Listener[] }>;
}

const N = 4;

// prints "ready <pid> <port>" once listening (port 0: one the kernel picks)
const server = (port: number, backlog: number, defer: boolean) => `
import os, socket, sys, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
${defer ? 'l.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 30)' : ''}
l.bind((sys.argv[1], ${port}))
l.listen(${backlog})
print("ready", os.getpid(), l.getsockname()[1], flush=True)
time.sleep(30)
`;

const DEFER_CLIENTS = (port: number) => `
import socket, struct, sys, time
ip = sys.argv[1]
held = []
def conn():
    c = socket.socket(); c.settimeout(3); c.connect((ip, ${port})); held.append(c); return c
for i in range(${N}):
    conn().send(b'x')
time.sleep(0.2)
late = [conn() for i in range(${N} + 1)]
time.sleep(0.2)
for c in late:
    c.send(b'y')
time.sleep(1.3)
# abort (RST), not close: an orphan in FIN_WAIT1 would keep retransmitting its data into the full
# queue after the window, and nstat would count overflows the probe was no longer there to see
for c in held:
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    c.close()
`;

// connects that are never accepted (port: argv[2] when 0)
const PLAIN_CLIENTS = (port: number, clients = 2 * N) => `
import socket, sys, time
ip = sys.argv[1]
port = ${port} or int(sys.argv[2])
held = []
for i in range(${clients}):
    c = socket.socket(); c.setblocking(False); c.connect_ex((ip, port)); held.append(c)
    time.sleep(0.02)
time.sleep(1.3)
`;

describeKernel('tcpsynbl on listeners the test fills', () => {
  let catalog: Catalog;
  let ns: NetnsPair;
  // what the catalogue picks here, and so how this kernel counts overflows
  let variant: string;
  const countedBy = () => (variant.startsWith('fentry') ? 'fentry' : variant.startsWith('kprobe') ? 'kprobe' : variant === 'tp_btf' ? 'listener_drops' : null);
  // the listeners' drop counters give ListenDrops with rx_sk (6.11+) or a hook on tcp_check_req
  const countsListenDrops = () => variant !== 'tp_btf_backlog';

  beforeAll(async () => {
    catalog = await Catalog.discover();
    variant = catalog.get('tcpsynbl')!.variant!;
    expect(['fentry', 'fentry_no_rx_sk', 'kprobe', 'kprobe_no_rx_sk', 'tp_btf', 'tp_btf_backlog']).toContain(variant);
    ns = netnsPair('tsb');
  });
  afterAll(async () => {
    ns?.destroy();
    expect(await programsLeft()).toEqual([]);
  });

  /** the listener in b (or, with host, on 127.0.0.1 in this namespace), the clients in a (or here) */
  async function run(port: number, defer: boolean, clients: string, params: Record<string, unknown>, durationMs = 3500, host = false) {
    const inNs = (ns_: string, cmd: string[]) => (host ? spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }) : ns.spawn(ns_, cmd));
    const ip = host ? '127.0.0.1' : ns.ipB;
    const srv = inNs(ns.b, ['python3', '-c', server(port, N, defer), ip]);
    try {
      const listener = await ready(srv);
      const counter = (name: string) => nstat(host ? null : ns.b, `TcpExt${name}`);
      const before = { overflows: counter('ListenOverflows'), drops: counter('ListenDrops') };
      let done!: Promise<void>;
      // the window ends when the clients are done (and at least durationMs passed), so every overflow
      // nstat counts happened while the probe was attached, however slow a loaded machine runs them
      const stop = new AbortController();
      let stoppedAt = 0;
      const result = (await runJobInline('tcpsynbl', params, {
        catalog,
        durationMs: durationMs + 20_000,
        signal: stop.signal,
        onAttached: () => {
          const minEnd = new Promise((r) => setTimeout(r, durationMs));
          // spawned, not exec'd: the job runs inline on this thread and its interval timers must tick
          done = new Promise((resolve, reject) => {
            const c = inNs(ns.a, ['python3', '-c', clients, ip, String(listener.port)]);
            const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
            c.on('exit', (code) => {
              clearTimeout(t);
              if (code === 0) resolve();
              else reject(new Error(`clients exited with ${code}`));
            });
          });
          void Promise.allSettled([done, minEnd]).then(() =>
            setTimeout(() => {
              stoppedAt = Date.now();
              stop.abort();
            }, 300),
          );
        },
      })) as ResultEnvelope<SynblData>;
      await done;
      return {
        result,
        data: result.data!,
        overflows: counter('ListenOverflows') - before.overflows,
        listenDrops: counter('ListenDrops') - before.drops,
        listener,
        stoppedAt,
      };
    } finally {
      srv.kill('SIGKILL');
    }
  }

  /** the figures nstat gives, and the listener named with its process */
  function expectNamed(data: SynblData, nstatOverflows: number, nstatDrops: number, where: { laddr: string; lport: number; netns: number; pid: number }) {
    // the figures, for the README's per-kernel tables
    console.log(`tcpsynbl ${variant} :${where.lport} overflows ${data.overflows} (nstat ${nstatOverflows}) listenDrops ${data.listenDrops} (nstat ${nstatDrops})`);
    expect(data.overflows).toBe(countedBy() === null ? 0 : nstatOverflows);
    expect(data.listenDrops).toBe(countsListenDrops() ? nstatDrops : null);
    if (countedBy() === null) return;
    const s = data.listenSockets.find((x) => x.lport === where.lport)!;
    expect(s).toMatchObject({ family: 4, laddr: where.laddr, netns: where.netns, pid: where.pid, comm: 'python3', maxBacklog: N, overflows: nstatOverflows });
    expect(s.synOverflows + s.ackOverflows).toBe(nstatOverflows);
    expect(s.listenDrops).toBe(countsListenDrops() ? nstatDrops : null);
  }

  it('shows queue lengths 0..N and counts every overflow nstat counts', async () => {
    const { result, data, overflows, listenDrops, listener, stoppedAt } = await run(7100, true, DEFER_CLIENTS(7100), { netns: ns.inoB, intervalMs: 1000 });
    expect(result.variant).toBe(variant);
    expect(data.overflowsCountedBy).toBe(countedBy());
    expect(data.overflowReason).toBe(variant === 'tp_btf' ? 'TCP_LISTEN_OVERFLOW' : null);
    // completed handshakes only: each is a listen drop, and the listener's counter also took their segments
    expect(listenDrops).toBe(overflows);
    expectNamed(data, overflows, listenDrops, { laddr: ns.ipB, lport: 7100, netns: ns.inoB, pid: listener.pid });
    expect(data.listenSockets.find((x) => x.lport === 7100)?.synOverflows ?? 0).toBe(0);
    expect(data.listeners).toHaveLength(1);
    const l = data.listeners[0]!;
    expect(l).toMatchObject({ lport: 7100, maxBacklog: N, max: N });
    // lengths 0, 1, 2, 3 (first round) and 4 (the one late client that fit)
    expect(l.hist.count).toBe(N + 1);
    expect(l.hist.sum).toBe((N * (N + 1)) / 2);
    expect(overflows).toBeGreaterThanOrEqual(N);
    // every variant that counts overflows sees the completed handshakes that met the full queue
    const seen = countedBy() === null ? 0 : overflows;
    if (seen === 0) expect(result.warnings.join('\n')).toMatch(/overflows are not counted/);
    expect(l.overflows).toBe(seen);
    expect(data.overflows).toBe(seen);
    expect(data.byMaxBacklog).toEqual([{ maxBacklog: N, hist: l.hist, max: N, overflows: seen }]);
    // the series adds up to the whole run
    const s = data.series!;
    // one entry per elapsed 1 s interval, quiet ones included (collectIntervals' unit tests), plus the
    // last partial one when it is not empty. How many depends on the machine's speed (a stalled event
    // loop stretches an interval), so only what holds at any speed: each full interval lasted at least
    // 1 s, and there are no more entries than whole seconds from the first to the stop, plus the partial
    const times = s.map((e) => Date.parse(e.at));
    expect(s.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < times.length - 1; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(995);
    expect(s.length).toBeLessThanOrEqual(Math.floor((stoppedAt - times[0]!) / 995) + 2);
    const sum = (f: (x: Listener) => number) => s.reduce((a, e) => a + e.listeners.reduce((b, x) => b + f(x), 0), 0);
    expect(sum((x) => x.hist.count)).toBe(N + 1);
    expect(sum((x) => x.overflows)).toBe(seen);
  });

  it('fills a plain listener up to N, counts the SYNs it refuses like nstat and names it; filters by family and port', async () => {
    const { result, data, overflows, listenDrops, listener } = await run(7101, false, PLAIN_CLIENTS(7101), { netns: ns.inoB, lport: 7101 });
    expect(result.variant).toBe(variant);
    expect(data.overflowsCountedBy).toBe(countedBy());
    expect(data.listeners).toHaveLength(1);
    const l = data.listeners[0]!;
    expect(l).toMatchObject({ lport: 7101, maxBacklog: N, max: N });
    expect(l.hist.count).toBe(N + 1);
    // the other N-1 SYNs (and their retransmissions) found the queue full: consumed, not freed as drops
    expect(overflows).toBeGreaterThanOrEqual(N - 1);
    expect(listenDrops).toBe(overflows);
    expect(l.overflows).toBe(countedBy() === null ? 0 : overflows);
    expectNamed(data, overflows, listenDrops, { laddr: ns.ipB, lport: 7101, netns: ns.inoB, pid: listener.pid });
    if (countedBy() === 'listener_drops') expect(result.warnings.join('\n')).toMatch(/each listener's own drop counter/);

    const v6 = await run(7102, false, PLAIN_CLIENTS(7102), { netns: ns.inoB, family: 6 }, 2500);
    expect(v6.data.listeners).toEqual([]);
    const other = await run(7103, false, PLAIN_CLIENTS(7103), { netns: ns.inoB, lport: 7999 }, 2500);
    expect(other.data.listeners).toEqual([]);
  });
});

describeKernel('tcpsynbl as a user runs it: the host namespace, loopback', () => {
  it('counts the overflows and drops of a backlog-1 listener like nstat there, and names it', async () => {
    const { data, variant, listener, hostNs, overflows, drops } = await hostLoopbackOverflow<SynblData>('tcpsynbl');
    console.log(`tcpsynbl ${variant} host loopback overflows ${data.overflows} (nstat ${overflows}) listenDrops ${data.listenDrops} (nstat ${drops})`);
    // a dozen clients, two fit the queue (0, then 1 > 1 is not full), the rest retransmit their SYNs
    expect(overflows).toBeGreaterThanOrEqual(10);
    expect(data.overflows).toBe(variant === 'tp_btf_backlog' ? 0 : overflows);
    expect(data.listenDrops).toBe(variant === 'tp_btf_backlog' ? null : drops);
    if (variant === 'tp_btf_backlog') return;
    expect(data.listenSockets.find((s) => s.lport === listener.port)).toMatchObject({
      laddr: '127.0.0.1',
      netns: hostNs,
      pid: listener.pid,
      comm: 'python3',
      maxBacklog: 1,
      overflows,
    });
  });
});
