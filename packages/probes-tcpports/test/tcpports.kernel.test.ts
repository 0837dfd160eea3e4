/**
 * tcpports against K established loopback connections the test holds in child processes: the
 * per-state counts equal `ss -tan` taken around the same pass (retried while other sockets on the
 * host move), the ephemeral range use equals the distinct local ports in range ss shows, and the
 * test's own listeners are the top remote endpoints with exactly their share of connections.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog, runJobInline } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from '../../../test/support/kernel.js';
import { sondeDone } from '../../../test/support/cli.js';
import { netnsPair } from '../../../test/support/netns.js';
import { snmpGauge } from '../../../test/support/nstat.js';
import { pyPeer } from '../../../test/support/pytcp.js';
// @ts-expect-error plain ESM helper shared with the bench
import { holdConnections, ssTan } from '../../../test/support/conns.mjs';

interface Snap {
  at: string;
  sockets: number;
  states: Record<string, number>;
  ephemeral: { range: [number, number]; size: number; portsUsed: number; usedPct: number; sockets: number; maxPerPort: number };
  remotes: Array<{ family: number; addr: string; port: number; connections: number; rangePct: number }>;
  remoteCount: number;
  remotesMissed: number;
  tookMs: number;
}
interface PortsData extends Snap {
  series?: Snap[];
}
interface Held { listeners: number[]; ports: number[]; pids: number[]; close(): Promise<void> }

const K = 12_000;
const SS: Record<string, string> = {
  ESTABLISHED: 'ESTAB', SYN_SENT: 'SYN-SENT', SYN_RECV: 'SYN-RECV', NEW_SYN_RECV: 'SYN-RECV', FIN_WAIT1: 'FIN-WAIT-1',
  FIN_WAIT2: 'FIN-WAIT-2', TIME_WAIT: 'TIME-WAIT', CLOSE: 'UNCONN', CLOSE_WAIT: 'CLOSE-WAIT', LAST_ACK: 'LAST-ACK',
  LISTEN: 'LISTEN', CLOSING: 'CLOSING',
};
const asSs = (states: Record<string, number>) => {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(states)) out[SS[k] ?? k] = (out[SS[k] ?? k] ?? 0) + n;
  return out;
};
const sorted = (o: Record<string, number>) => JSON.stringify(Object.entries(o).sort());

describeKernel('tcpports on connections the test holds', () => {
  let catalog: Catalog;
  let held: Held;
  const range = (): [number, number] => {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return [lo!, hi!];
  };

  beforeAll(async () => {
    catalog = await Catalog.discover();
    // listeners below the ephemeral range: only the client side uses it
    held = await holdConnections(K, 21000 + (process.pid % 4000));
  }, 120_000);
  afterAll(async () => {
    await held?.close();
    expect(await programsLeft()).toEqual([]);
  });

  it('counts states like ss -tan, the range use like the ports in use, and the test endpoints', async () => {
    const [lo, hi] = range();
    let data: PortsData | undefined;
    let ss: { states: Record<string, number>; ports: Set<number> } | undefined;
    // other sockets on the host (TIME_WAIT expiring) can move between ss and the pass: retry until ss agrees with itself
    for (let attempt = 0; attempt < 6; attempt++) {
      const before = ssTan(lo, hi);
      const r = (await runJobInline('tcpports', { topRemotes: 5 }, { catalog, durationMs: 5000 })) as ResultEnvelope<PortsData>;
      const after = ssTan(lo, hi);
      expect(r.variant).toBe('iter');
      if (sorted(before.states) === sorted(after.states) && before.ports.size === after.ports.size) {
        data = r.data!;
        ss = after;
        break;
      }
    }
    expect(data, 'ss never saw the same sockets twice in a row').toBeDefined();
    const d = data!;
    expect(sorted(asSs(d.states))).toBe(sorted(ss!.states));
    expect(d.states.ESTABLISHED).toBeGreaterThanOrEqual(2 * K);
    expect(d.sockets).toBe(Object.values(ss!.states).reduce((a, b) => a + b, 0));

    // the ephemeral range: exactly the distinct local ports in range that ss shows, the test's among them
    expect(d.ephemeral.range).toEqual([lo, hi]);
    expect(d.ephemeral.size).toBe(hi - lo + 1);
    expect(d.ephemeral.portsUsed).toBe(ss!.ports.size);
    const mine = new Set(held.ports);
    expect(held.ports).toHaveLength(K);
    for (const p of mine) {
      expect(p).toBeGreaterThanOrEqual(lo);
      expect(p).toBeLessThanOrEqual(hi);
      expect(ss!.ports.has(p)).toBe(true);
    }
    expect(d.ephemeral.portsUsed).toBeGreaterThanOrEqual(mine.size);
    expect(d.ephemeral.sockets).toBeGreaterThanOrEqual(K);

    // the test's listeners are the busiest remote endpoints, each with its share
    const n = held.listeners.length;
    expect(n).toBe(2);
    for (const [i, port] of held.listeners.entries()) {
      const share = Math.floor(K / n) + (i < K % n ? 1 : 0);
      expect(d.remotes).toContainEqual({ family: 4, addr: '127.0.0.1', port, connections: share, rangePct: Math.round((10000 * share) / (hi - lo + 1)) / 100 });
    }
    expect(d.remotesMissed).toBe(0);
  });

  it('samples a series, and the family filter leaves IPv4 out', async () => {
    const intervalMs = 300;
    const r = (await runJobInline('tcpports', { intervalMs }, { catalog, durationMs: 1300 })) as ResultEnvelope<PortsData>;
    const s = r.data!.series!;
    // one snapshot per interval, each a full walk: a slow kernel fits fewer into the job, never closer together
    expect(s.length).toBeGreaterThanOrEqual(2);
    const at = s.map((x) => Date.parse(x.at));
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(intervalMs - 5);
    for (const x of s) expect(x.states.ESTABLISHED).toBeGreaterThanOrEqual(2 * K);
    expect(r.data!.sockets).toBe(s[s.length - 1]!.sockets);

    const v6 = (await runJobInline('tcpports', { family: 6 }, { catalog, durationMs: 5000 })) as ResultEnvelope<PortsData>;
    expect(v6.data!.states.ESTABLISHED ?? 0).toBeLessThan(K);
    expect(v6.data!.remotes.some((e) => held.listeners.includes(e.port))).toBe(false);
  });
});

describeKernel('tcpports checked against the kernel', () => {
  afterAll(async () => {
    expect(await programsLeft()).toEqual([]);
  });

  it('run inside a test namespace (sonde under ip netns exec): ESTABLISHED + CLOSE_WAIT = Tcp.CurrEstab', async () => {
    // the iterator walks the namespace sonde runs in, and the counters are read there (/proc/self/net)
    const kn = netnsPair('skpo');
    // 5 connections on that namespace's loopback, 2 half-closed: 6 ESTABLISHED, 2 CLOSE_WAIT, 2 FIN_WAIT2 sockets
    const peer = pyPeer('pingpair', 'po-hold', '127.0.0.1', 0, [5, 0, 0, 2], ['ip', 'netns', 'exec', kn.a]);
    try {
      await peer.port;
      const currEstab = () => snmpGauge(kn.a, 'Tcp', 'CurrEstab');
      const before = currEstab();
      const run = await sondeDone(['run', 'tcpports', '--duration', '1s', '--json'], {}, ['ip', 'netns', 'exec', kn.a]);
      const after = currEstab();
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as ResultEnvelope<PortsData>;
      const { states } = result.data!;
      console.log(`tcpports in ${kn.a}: TcpCurrEstab ${before} → ${after}; states ${JSON.stringify(states)}; cross-checks ${JSON.stringify(result.kernel?.counters?.crossChecks)}`);
      expect(states).toMatchObject({ ESTABLISHED: 6, CLOSE_WAIT: 2, FIN_WAIT2: 2, LISTEN: 1 });
      expect(after).toBe(before); // nothing moved in the namespace meanwhile
      expect(states.ESTABLISHED! + states.CLOSE_WAIT!).toBe(after);
      expect(result.kernel!.counters!.source).toBe('/proc/self/net');
      expect(result.kernel!.counters!.crossChecks.find((c) => c.counter === 'Tcp.CurrEstab')).toMatchObject({ traced: after, delta: after, gauge: true, agree: true });
    } finally {
      peer.say('go');
      peer.say('end');
      await peer.done.catch(() => peer.kill());
      kn.destroy();
    }
  }, 60_000);
});
