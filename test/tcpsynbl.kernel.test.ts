/**
 * tcpsynbl against listeners the test makes in its own namespace pair (server in b, clients in a):
 *   - backlog N, TCP_DEFER_ACCEPT, never accepting: N clients join the queue (lengths 0..N-1), N+1
 *     more complete the handshake while it has room and then send data: the first joins at length
 *     N, the other N overflow, again at each retransmission — the overflow count is nstat's
 *     TcpExtListenOverflows delta in b exactly;
 *   - a plain listener with backlog N and 2N clients connecting without being accepted: samples
 *     0..N; the SYNs refused while the queue is full are counted by nstat, not as drops (README):
 *     the fentry and kprobe variants see them (nstat's delta exactly), the tp_btf variant cannot and
 *     says so in a warning.
 * The variant is the one the catalogue picks on this kernel: fentry on 6.1 and 6.12, tp_btf (drop
 * reason) on a kernel without fentry and kprobes, such as the 6.18 development host.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog, runJobInline } from '@sonde/core-loader';
import type { Histogram, ResultEnvelope } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from './support/kernel.js';
import { netnsPair, type NetnsPair } from './support/netns.js';
import { nstat } from './support/tc-drop.js';

interface Listener { maxBacklog: number; lport: number; hist: Histogram; max: number | null; overflows: number }
interface SynblData {
  byMaxBacklog: Array<{ maxBacklog: number; hist: Histogram; max: number | null; overflows: number }>;
  listeners: Listener[];
  overflows: number;
  overflowReason: string | null;
  overflowsCountedBy: 'fentry' | 'kprobe' | 'drop_reason' | null;
  series?: Array<{ at: string; listeners: Listener[] }>;
}

const N = 4;

const server = (port: number, backlog: number, defer: boolean) => `
import socket, sys, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
${defer ? 'l.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 30)' : ''}
l.bind((sys.argv[1], ${port}))
l.listen(${backlog})
print("ready", flush=True)
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

const PLAIN_CLIENTS = (port: number) => `
import socket, sys, time
ip = sys.argv[1]
held = []
for i in range(${2 * N}):
    c = socket.socket(); c.setblocking(False); c.connect_ex((ip, ${port})); held.append(c)
    time.sleep(0.02)
time.sleep(1.3)
`;

describeKernel('tcpsynbl on listeners the test fills', () => {
  let catalog: Catalog;
  let ns: NetnsPair;
  // what the catalogue picks here, and so how this kernel counts overflows
  let variant: string;
  const countedBy = () => ({ fentry: 'fentry', kprobe: 'kprobe', tp_btf: 'drop_reason' })[variant] ?? null;
  // the variant sees SYNs that meet a full queue (fentry/kprobe on tcp_conn_request)
  const seesSynOverflows = () => variant === 'fentry' || variant === 'kprobe';

  beforeAll(async () => {
    catalog = await Catalog.discover();
    variant = catalog.get('tcpsynbl')!.variant!;
    expect(['fentry', 'kprobe', 'tp_btf', 'tp_btf_backlog']).toContain(variant);
    ns = netnsPair('tsb');
  });
  afterAll(async () => {
    ns?.destroy();
    expect(await programsLeft()).toEqual([]);
  });

  async function run(port: number, defer: boolean, clients: string, params: Record<string, unknown>, durationMs = 3500) {
    const srv = ns.spawn(ns.b, ['python3', '-c', server(port, N, defer), ns.ipB]);
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('server not ready')), 10_000);
        srv.stdout!.on('data', (d: Buffer) => {
          if (d.toString().includes('ready')) {
            clearTimeout(t);
            resolve();
          }
        });
      });
      const before = nstat(ns.b, 'TcpExtListenOverflows');
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
            const c = ns.spawn(ns.a, ['python3', '-c', clients, ns.ipB]);
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
      return { result, data: result.data!, overflows: nstat(ns.b, 'TcpExtListenOverflows') - before, stoppedAt };
    } finally {
      srv.kill('SIGKILL');
    }
  }

  it('shows queue lengths 0..N and counts every overflow nstat counts', async () => {
    const { result, data, overflows, stoppedAt } = await run(7100, true, DEFER_CLIENTS(7100), { netns: ns.inoB, intervalMs: 1000 });
    expect(result.variant).toBe(variant);
    expect(data.overflowsCountedBy).toBe(countedBy());
    expect(data.overflowReason).toBe(variant === 'tp_btf' ? 'TCP_LISTEN_OVERFLOW' : null);
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

  it('fills a plain listener up to N; filters by family and port', async () => {
    const { result, data, overflows } = await run(7101, false, PLAIN_CLIENTS(7101), { netns: ns.inoB, lport: 7101 });
    expect(result.variant).toBe(variant);
    expect(data.overflowsCountedBy).toBe(countedBy());
    expect(data.listeners).toHaveLength(1);
    const l = data.listeners[0]!;
    expect(l).toMatchObject({ lport: 7101, maxBacklog: N, max: N });
    expect(l.hist.count).toBe(N + 1);
    // the other N-1 SYNs found the queue full: nstat counts them, the kernel frees them as consumed
    expect(overflows).toBeGreaterThanOrEqual(N - 1);
    if (seesSynOverflows()) {
      // fentry/kprobe at tcp_conn_request: the kernel's own test, so nstat's count exactly
      expect(l.overflows).toBe(overflows);
      expect(data.overflows).toBe(overflows);
    } else {
      // a drop-reason variant cannot see them, and says so
      expect(l.overflows).toBe(0);
      expect(result.warnings.join('\n')).toMatch(countedBy() === null ? /overflows are not counted/ : /SYNs refused by a full queue are not seen/);
    }

    const v6 = await run(7102, false, PLAIN_CLIENTS(7102), { netns: ns.inoB, family: 6 }, 2500);
    expect(v6.data.listeners).toEqual([]);
    const other = await run(7103, false, PLAIN_CLIENTS(7103), { netns: ns.inoB, lport: 7999 }, 2500);
    expect(other.data.listeners).toEqual([]);
  });
});
