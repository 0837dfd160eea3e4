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
 * Per kernel (features, not versions): the variant is the catalogue's — tp_btf where kfree_skb passes
 * rx_sk (6.11+: overflow drops carry the listener, state LISTEN), tp_btf_no_rx_sk before (6.1: no socket,
 * state '-', and a warning says so). A kernel without the TCP_LISTEN_OVERFLOW reason (6.1, 6.12) frees
 * the overflowing segment as NOT_SPECIFIED: the probe warns, and the test finds those drops there.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog, hasFeature, runJobInline } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from './support/kernel.js';
import { netnsPair, type NetnsPair } from './support/netns.js';
import { nstat, tcDropPort, vethIn, type TcDrop } from './support/tc-drop.js';

interface Flow { laddr: string; lport: number; raddr: string; rport: number; reason: string; count: number; state: string; flags: string }
interface Ev { laddr: string; lport: number; raddr: string; rport: number; reason: string; state: string; flags: string; skaddr: string | null; netns: number; stack: string[]; location: string }
interface DropData {
  total: number;
  reasons: Array<{ reason: string; value: number; subsystem: string; count: number }>;
  flows: Flow[];
  stacks: Array<{ reason: string; count: number; frames: string[] }>;
  events: Ev[];
  eventsOmitted: number;
}

const N = 4;
const P_OVERFLOW = 7000;
const P_TC_IN = 7001;
const P_TC_OUT = 7002;
const P_CLOSED = 7003;

// the never-accepting listener: prints "ready" once listening
const SERVER = `
import socket, sys, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 30)
l.bind((sys.argv[1], ${P_OVERFLOW}))
l.listen(${N})
print("ready", flush=True)
time.sleep(30)
`;

// every client of the scenario; prints JSON with the local ports it used
const CLIENTS = `
import json, socket, sys, time
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
print(json.dumps(out), flush=True)
`;

describeKernel('tcpdrop on drops the test causes', () => {
  let catalog: Catalog;
  let ns: NetnsPair;
  const tcs: TcDrop[] = [];

  beforeAll(async () => {
    catalog = await Catalog.discover();
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
    const server = ns.spawn(ns.b, ['python3', '-c', SERVER, ns.ipB]);
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('server not ready')), 10_000);
        server.stdout!.on('data', (d: Buffer) => {
          if (d.toString().includes('ready')) {
            clearTimeout(t);
            resolve();
          }
        });
      });
      const overflowsBefore = nstat(ns.b, 'TcpExtListenOverflows');
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
      return { result, data: result.data!, ports, overflows };
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

  it('names each reason, counts overflows like nstat, and symbolizes the stacks', async () => {
    const { result, data, ports, overflows } = await scenario({ netns: ns.inoB, eventLimit: 500 });
    expect(result.stoppedBy).toBe('deadline');
    const variant = catalog.get('tcpdrop')!.variant;
    expect(['tp_btf', 'tp_btf_no_rx_sk']).toContain(variant);
    expect(result.variant).toBe(variant);
    const warnings = result.warnings.join('\n');
    // without rx_sk an inbound drop has no socket yet: the probe says so
    expect(/passes no rx_sk/.test(warnings)).toBe(variant === 'tp_btf_no_rx_sk');
    expect(ports.refused).toBe(true);

    // (1) accept-queue overflow: nstat counts them in b
    expect(overflows).toBeGreaterThanOrEqual(N);
    const hasReason = hasFeature({ kind: 'btf_enum_value', enum: 'skb_drop_reason', name: 'SKB_DROP_REASON_TCP_LISTEN_OVERFLOW' });
    expect(/no TCP_LISTEN_OVERFLOW drop reason/.test(warnings)).toBe(!hasReason);
    const ovReason = hasReason ? 'TCP_LISTEN_OVERFLOW' : 'NOT_SPECIFIED';
    // the overflowing late clients' data segments (PSH): on a kernel without the reason they are
    // NOT_SPECIFIED drops next to the bare ACKs TCP_DEFER_ACCEPT drops (flags ACK only, or-ed in per flow)
    const ovFlows = data.flows.filter((f) => f.reason === ovReason && f.lport === P_OVERFLOW && f.flags.includes('PSH'));
    for (const f of ovFlows) {
      expect(f).toMatchObject({ laddr: ns.ipB, lport: P_OVERFLOW, raddr: ns.ipA, state: variant === 'tp_btf' ? 'LISTEN' : '-' });
      expect(ports.late).toContain(f.rport);
      expect(f.flags).toContain('ACK');
    }
    // the first late client got the last place in the queue; the other N overflowed
    expect(new Set(ovFlows.map((f) => f.rport)).size).toBe(N);
    const ovDrops = ovFlows.reduce((n, f) => n + f.count, 0);
    if (hasReason) {
      // every overflow nstat saw in b is a TCP_LISTEN_OVERFLOW drop, and nothing else is
      expect(count(data, 'TCP_LISTEN_OVERFLOW')).toBe(overflows);
      expect(ovDrops).toBe(overflows);
      expect(data.events.filter((e) => e.reason === 'TCP_LISTEN_OVERFLOW').length).toBe(overflows);
    } else {
      // no name for them: each overflow frees its segment as NOT_SPECIFIED; those flows also hold at
      // most one deferred bare ACK per overflowing client
      expect(count(data, 'TCP_LISTEN_OVERFLOW')).toBe(0);
      expect(ovDrops).toBeGreaterThanOrEqual(overflows);
      expect(ovDrops).toBeLessThanOrEqual(overflows + N);
    }

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
});
