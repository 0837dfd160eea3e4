/**
 * tcpdrop against drops the test causes in its own pair of namespaces (a: clients, b: servers):
 *   - accept-queue overflow: a listener in b with backlog N and TCP_DEFER_ACCEPT, never accepting;
 *     N clients fill its queue, N+1 more complete the handshake while it still has room and then
 *     send data, which the kernel drops as TCP_LISTEN_OVERFLOW (the count agrees with nstat's
 *     TcpExtListenOverflows in b);
 *   - a tc clsact program the test installs drops SYNs to one port at b's ingress (TC_INGRESS, no
 *     socket: tuple from the headers) and to another at a's egress (TC_EGRESS, the client's socket);
 *   - a SYN to a closed port of b (NO_SOCKET; b answers with a RST).
 * Each appears with the kernel's reason name, the test's addresses and ports, and a symbolized stack.
 *
 *   - SYNs refused at a full accept queue (a plain listener, no TCP_DEFER_ACCEPT): the kernel consumes
 *     them, yet they are TCP_LISTEN_OVERFLOW drops in the report, nstat's ListenOverflows exactly, with the
 *     listener named; `drops{reason=TCP_LISTEN_OVERFLOW} == 0` fails; the same on 127.0.0.1 in the host
 *     namespace, as a user would run it.
 * Each appears with the kernel's reason name, the test's addresses and ports, and a symbolized stack.
 *
 * Per kernel (features, not versions): the variant is the catalogue's — fentry (6.12), kprobe_no_rx_sk
 * (6.1: fentry cannot attach to tcp_v4_syn_recv_sock there), tp_btf (6.18 here: no trampolines). The
 * fentry/kprobe hooks see every overflow one by one and name the completed handshake's drop
 * TCP_LISTEN_OVERFLOW where the kernel frees it as NOT_SPECIFIED (before 6.13); tp_btf counts the SYNs
 * from the listener's drop counter. Without rx_sk (6.1) an inbound drop has no socket (state '-').
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { evaluateCheck, parseAssertions } from '@sonde/checks';
import { Catalog, runJobInline } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from '../../../test/support/kernel.js';
import { netnsPair, type NetnsPair } from '../../../test/support/netns.js';
import { nstat, tcDropPort, vethIn, type TcDrop } from '../../../test/support/tc-drop.js';
import { hostLoopbackOverflow, NEVER_ACCEPTING, PLAIN_CONNECTS, ready } from '../../../test/support/listen-overflow.js';

interface Flow { laddr: string; lport: number; raddr: string; rport: number; reason: string; count: number; state: string; flags: string }
interface Ev { laddr: string; lport: number; raddr: string; rport: number; reason: string; state: string; flags: string; skaddr: string | null; netns: number; stack: string[]; location: string }
interface Listening {
  laddr: string;
  lport: number;
  netns: number;
  pid: number | null;
  comm: string | null;
  listenDrops: number | null;
  overflows: number;
  synOverflows: number;
  ackOverflows: number;
}
interface DropData {
  total: number;
  reasons: Array<{ reason: string; value: number; subsystem: string; count: number }>;
  flows: Flow[];
  stacks: Array<{ reason: string; count: number; frames: string[] }>;
  events: Ev[];
  eventsOmitted: number;
  listenOverflows: { count: number; countedBy: string | null; listenDrops: number | null; listeners: Listening[] };
}

const N = 4;
const P_OVERFLOW = 7000;
const P_TC_IN = 7001;
const P_TC_OUT = 7002;
const P_CLOSED = 7003;
const P_PLAIN = 7004;

// every client of the scenario; prints JSON with the local ports it used
const CLIENTS = `
import json, socket, struct, sys, time
ip = sys.argv[1]
out = {}
s = socket.socket(); s.settimeout(2)
try:
    s.connect((ip, ${P_CLOSED}))
except ConnectionRefusedError:
    out['refused'] = True
out['closed'] = s.getsockname()[1]
held = []
for key, port in (('tcIn', ${P_TC_IN}), ('tcOut', ${P_TC_OUT})):
    c = socket.socket(); c.setblocking(False); c.connect_ex((ip, port)); held.append(c)
    out[key] = c.getsockname()[1]
def conn():
    c = socket.socket(); c.settimeout(3); c.connect((ip, ${P_OVERFLOW})); held.append(c); return c
for i in range(${N}):
    conn().send(b'x')
time.sleep(0.2)
late = [conn() for i in range(${N} + 1)]
out['late'] = [c.getsockname()[1] for c in late]
time.sleep(0.2)
for c in late:
    c.send(b'y')
time.sleep(1.3)  # the tc-dropped SYNs are retransmitted once after 1 s
# abort (RST), not close: an orphan in FIN_WAIT1 would keep retransmitting its data into the full queue
# after the job, and nstat would count overflows the probe was no longer there to see
for c in held:
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    c.close()
print(json.dumps(out), flush=True)
`;

describeKernel('tcpdrop on drops the test causes', () => {
  let catalog: Catalog;
  let ns: NetnsPair;
  let variant: string;
  const tcs: TcDrop[] = [];
  const countedBy = () => (variant.startsWith('fentry') ? 'fentry' : variant.startsWith('kprobe') ? 'kprobe' : variant === 'tp_btf' ? 'listener_drops' : null);
  const rxSk = () => !variant.endsWith('_no_rx_sk');
  // the listeners' drop counters give ListenDrops with rx_sk (6.11+) or a hook on tcp_check_req
  const countsListenDrops = () => variant !== 'tp_btf_no_rx_sk';

  beforeAll(async () => {
    catalog = await Catalog.discover();
    variant = catalog.get('tcpdrop')!.variant!;
    expect(['fentry', 'kprobe', 'tp_btf', 'fentry_no_rx_sk', 'kprobe_no_rx_sk', 'tp_btf_no_rx_sk']).toContain(variant);
    ns = netnsPair('tdr');
    tcs.push(tcDropPort(ns.b, vethIn(ns.b), 'ingress', P_TC_IN));
    tcs.push(tcDropPort(ns.a, vethIn(ns.a), 'egress', P_TC_OUT));
  });
  afterAll(async () => {
    for (const t of tcs) t.remove();
    ns?.destroy();
    expect(await programsLeft()).toEqual([]);
  });

  async function scenario(params: Record<string, unknown>, durationMs = 4500) {
    const server = ns.spawn(ns.b, ['python3', '-c', NEVER_ACCEPTING, ns.ipB, String(P_OVERFLOW), String(N), '1']);
    try {
      const listener = await ready(server);
      const overflowsBefore = nstat(ns.b, 'TcpExtListenOverflows');
      const dropsBefore = nstat(ns.b, 'TcpExtListenDrops');
      let clients!: Promise<{ closed: number; tcIn: number; tcOut: number; late: number[]; refused?: boolean }>;
      const result = (await runJobInline('tcpdrop', params, {
        catalog,
        durationMs,
        onAttached: () => {
          clients = new Promise((resolve, reject) => {
            try {
              resolve(JSON.parse(ns.exec(ns.a, ['python3', '-c', CLIENTS, ns.ipB], 20_000)));
            } catch (e) {
              reject(e);
            }
          });
        },
      })) as ResultEnvelope<DropData>;
      const ports = await clients;
      const overflows = nstat(ns.b, 'TcpExtListenOverflows') - overflowsBefore;
      const listenDrops = nstat(ns.b, 'TcpExtListenDrops') - dropsBefore;
      return { result, data: result.data!, ports, overflows, listenDrops, listener };
    } finally {
      server.kill('SIGKILL');
    }
  }

  const count = (d: DropData, reason: string) => d.reasons.find((r) => r.reason === reason)?.count ?? 0;
  const symbolized = (frames: string[]) => {
    expect(frames.length).toBeGreaterThan(3);
    for (const f of frames) expect(f).toMatch(/^[\w.$]+\+0x[0-9a-f]+( \[\w+\])?$/);
    expect(frames.some((f) => /^(bpf_prog_|bpf_trace_run)/.test(f))).toBe(false);
  };

  /** listenOverflows equal nstat's, and the listener named with its process */
  function expectListener(d: DropData, overflows: number, listenDrops: number, where: { laddr: string; lport: number; netns: number; pid: number }) {
    // the figures, for the README's per-kernel tables
    console.log(`tcpdrop ${variant} :${where.lport} listenOverflows ${d.listenOverflows.count} (nstat ${overflows}) listenDrops ${d.listenOverflows.listenDrops} (nstat ${listenDrops})`);
    expect(d.listenOverflows.countedBy).toBe(countedBy());
    expect(d.listenOverflows.count).toBe(overflows);
    expect(d.listenOverflows.listenDrops).toBe(countsListenDrops() ? listenDrops : null);
    expect(d.listenOverflows.listeners.find((l) => l.lport === where.lport)).toMatchObject({
      laddr: where.laddr,
      netns: where.netns,
      pid: where.pid,
      comm: 'python3',
      overflows,
      listenDrops: countsListenDrops() ? listenDrops : null,
    });
  }

  it('names each reason, counts overflows like nstat, and symbolizes the stacks', async () => {
    const { result, data, ports, overflows, listenDrops, listener } = await scenario({ netns: ns.inoB, eventLimit: 500 });
    expect(result.stoppedBy).toBe('deadline');
    expect(result.variant).toBe(variant);
    const warnings = result.warnings.join('\n');
    // without rx_sk an inbound drop has no socket yet: the probe says so
    expect(/passes no rx_sk/.test(warnings)).toBe(!rxSk());
    expect(ports.refused).toBe(true);

    // (1) accept-queue overflow: nstat counts them in b; every variant here counts them (fentry/kprobe one
    // by one, naming the drop the kernel frees as NOT_SPECIFIED before 6.13; tp_btf by the drop reason)
    expect(countedBy()).not.toBeNull();
    expect(overflows).toBeGreaterThanOrEqual(N);
    // completed handshakes only: each is a listen drop
    expect(listenDrops).toBe(overflows);
    const ovReason = 'TCP_LISTEN_OVERFLOW';
    // the overflowing late clients' data segments (PSH)
    const ovFlows = data.flows.filter((f) => f.reason === ovReason && f.lport === P_OVERFLOW && f.flags.includes('PSH'));
    for (const f of ovFlows) {
      // the listener: rx_sk (6.11+) or the one the hook saw
      expect(f).toMatchObject({ laddr: ns.ipB, lport: P_OVERFLOW, raddr: ns.ipA, state: 'LISTEN' });
      expect(ports.late).toContain(f.rport);
      expect(f.flags).toContain('ACK');
    }
    // the first late client got the last place in the queue; the other N overflowed
    expect(new Set(ovFlows.map((f) => f.rport)).size).toBe(N);
    // every overflow nstat saw in b is a TCP_LISTEN_OVERFLOW drop, and nothing else is
    expect(count(data, ovReason)).toBe(overflows);
    expect(ovFlows.reduce((n, f) => n + f.count, 0)).toBe(overflows);
    expect(data.events.filter((e) => e.reason === ovReason).length).toBe(overflows);
    expectListener(data, overflows, listenDrops, { laddr: ns.ipB, lport: P_OVERFLOW, netns: ns.inoB, pid: listener.pid });

    // (2) tc: at b's ingress, before any socket: tuple from the headers, local = destination
    expect(count(data, 'TC_INGRESS')).toBeGreaterThanOrEqual(1);
    expect(data.flows.find((f) => f.reason === 'TC_INGRESS')).toMatchObject({
      laddr: ns.ipB, lport: P_TC_IN, raddr: ns.ipA, rport: ports.tcIn, state: '-', flags: 'SYN',
    });
    // the egress drop happened in a: the netns filter left it out
    expect(count(data, 'TC_EGRESS')).toBe(0);

    // (3) the SYN to a closed port
    expect(count(data, 'NO_SOCKET')).toBeGreaterThanOrEqual(1);
    expect(data.flows.find((f) => f.reason === 'NO_SOCKET')).toMatchObject({
      laddr: ns.ipB, lport: P_CLOSED, raddr: ns.ipA, rport: ports.closed, state: '-', flags: 'SYN',
    });

    // stacks: symbolized, trampolines removed, through the functions that drop
    const stackOf = (reason: string) => data.stacks.find((s) => s.reason === reason)!.frames;
    for (const r of [ovReason, 'TC_INGRESS', 'NO_SOCKET']) symbolized(stackOf(r));
    expect(stackOf(ovReason).some((f) => f.startsWith('tcp_v4_rcv+'))).toBe(true);
    expect(stackOf('NO_SOCKET').some((f) => f.startsWith('tcp_v4_rcv+'))).toBe(true);
    expect(stackOf('TC_INGRESS').some((f) => f.startsWith('__netif_receive_skb_core'))).toBe(true);

    // events: all drops of this run are listed (under the limit), each with its stack
    expect(data.events.length).toBe(data.total);
    expect(data.eventsOmitted).toBe(0);
    for (const e of data.events) {
      expect(e.netns).toBe(ns.inoB);
      symbolized(e.stack);
    }
    const noSock = data.events.find((e) => e.reason === 'NO_SOCKET')!;
    expect(noSock).toMatchObject({ skaddr: null, lport: P_CLOSED, rport: ports.closed, flags: 'SYN', state: '-' });
    expect(noSock.location).toMatch(/^tcp_v4_rcv\+0x/);
    // the total is the sum by reason
    expect(data.reasons.reduce((n, r) => n + r.count, 0)).toBe(data.total);
  });

  it('keeps only the filtered namespace and ports: the egress drop, with the client socket', async () => {
    const { data, ports } = await scenario({ netns: ns.inoA, rport: P_TC_OUT, eventLimit: 1 }, 4000);
    expect(data.listenOverflows.count).toBe(0);
    expect(data.reasons.map((r) => r.reason)).toEqual(['TC_EGRESS']);
    expect(data.total).toBeGreaterThanOrEqual(1);
    expect(data.flows).toHaveLength(1);
    expect(data.flows[0]).toMatchObject({ laddr: ns.ipA, lport: ports.tcOut, raddr: ns.ipB, rport: P_TC_OUT, state: 'SYN_SENT', flags: 'SYN' });
    // the socket was known: the event carries it
    expect(data.events).toHaveLength(1);
    expect(data.events[0]!.skaddr).toMatch(/^0x[0-9a-f]+$/);
    expect(data.eventsOmitted).toBe(data.total - 1);
    symbolized(data.stacks[0]!.frames);
  });

  it('counts the SYNs a full accept queue refuses (consumed, not freed as drops) like nstat, names the listener, and fails the README check', async () => {
    const server = ns.spawn(ns.b, ['python3', '-c', NEVER_ACCEPTING, ns.ipB, String(P_PLAIN), String(N), '0']);
    try {
      const listener = await ready(server);
      const before = { o: nstat(ns.b, 'TcpExtListenOverflows'), d: nstat(ns.b, 'TcpExtListenDrops') };
      let clients!: Promise<number[]>;
      const result = (await runJobInline('tcpdrop', { netns: ns.inoB, lport: P_PLAIN }, {
        catalog,
        durationMs: 4000,
        onAttached: () => {
          clients = new Promise((resolve, reject) => {
            try {
              resolve(JSON.parse(ns.exec(ns.a, ['python3', '-c', PLAIN_CONNECTS, ns.ipB, String(P_PLAIN), String(2 * N)], 20_000)));
            } catch (e) {
              reject(e);
            }
          });
        },
      })) as ResultEnvelope<DropData>;
      const ports = await clients;
      const overflows = nstat(ns.b, 'TcpExtListenOverflows') - before.o;
      const listenDrops = nstat(ns.b, 'TcpExtListenDrops') - before.d;
      const data = result.data!;
      // N+1 fit (0..N), the other N-1 SYNs and their retransmissions meet a full queue
      expect(overflows).toBeGreaterThanOrEqual(N - 1);
      expect(listenDrops).toBe(overflows);
      expect(count(data, 'TCP_LISTEN_OVERFLOW')).toBe(overflows);
      expectListener(data, overflows, listenDrops, { laddr: ns.ipB, lport: P_PLAIN, netns: ns.inoB, pid: listener.pid });
      const l = data.listenOverflows.listeners.find((x) => x.lport === P_PLAIN)!;
      expect(l.synOverflows).toBe(overflows);
      if (countedBy() === 'listener_drops') {
        // no hook sees them one by one: counted per listener, not as flows
        expect(result.warnings.join('\n')).toMatch(/each listener's own drop counter/);
      } else {
        // one by one at tcp_conn_request: flows from the clients' ports, SYN, at the listener
        const syn = data.flows.filter((f) => f.reason === 'TCP_LISTEN_OVERFLOW');
        expect(syn.reduce((n, f) => n + f.count, 0)).toBe(overflows);
        for (const f of syn) {
          expect(f).toMatchObject({ laddr: ns.ipB, lport: P_PLAIN, raddr: ns.ipA, state: 'LISTEN', flags: 'SYN' });
          expect(ports).toContain(f.rport);
        }
        expect(data.events.find((e) => e.reason === 'TCP_LISTEN_OVERFLOW')!.location).toMatch(/^tcp_conn_request\+0x/);
      }
      // the README's CI example fails while the kernel drops SYNs
      const rep = evaluateCheck(result, parseAssertions(['drops{reason=TCP_LISTEN_OVERFLOW} == 0']));
      expect(rep.results[0]).toMatchObject({ outcome: 'fail', actual: String(overflows) });
    } finally {
      server.kill('SIGKILL');
    }
  });
});

describeKernel('tcpdrop as a user runs it: the host namespace, loopback', () => {
  it('counts the SYNs a backlog-1 listener refuses like nstat there, and names it', async () => {
    const { data, variant, listener, hostNs, overflows, drops } = await hostLoopbackOverflow<DropData>('tcpdrop');
    console.log(`tcpdrop ${variant} host loopback listenOverflows ${data.listenOverflows.count} (nstat ${overflows}) listenDrops ${data.listenOverflows.listenDrops} (nstat ${drops})`);
    expect(overflows).toBeGreaterThanOrEqual(10);
    expect(data.listenOverflows.count).toBe(overflows);
    expect(data.reasons.find((r) => r.reason === 'TCP_LISTEN_OVERFLOW')?.count).toBe(overflows);
    expect(data.listenOverflows.listenDrops).toBe(variant === 'tp_btf_no_rx_sk' ? null : drops);
    expect(data.listenOverflows.listeners.find((l) => l.lport === listener.port)).toMatchObject({
      laddr: '127.0.0.1',
      netns: hostNs,
      pid: listener.pid,
      comm: 'python3',
      overflows,
    });
  });
});
