/**
 * tcpconnlat against connects the test makes from a child with a known pid and comm, between two
 * network namespaces and on loopback: every connect appears once, refused ones flagged, each latency
 * positive and below the child's own wall-clock measure of that connect; the kernel histograms count
 * exactly those connects.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog, runJobInline } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import type { TcpconnlatData, TcpconnlatEvent } from '@sonde/probes-tcpconnlat';
import { acceptIn, connectFrom, type ConnectTarget } from './support/conn-children.js';
import { describeKernel, programsLeft } from './support/kernel.js';
import { netnsPair, type NetnsPair } from './support/netns.js';
import { echoServer, type EchoServer } from './support/traffic.js';

const CLOSED = 9;

describeKernel('tcpconnlat on real connects', () => {
  let catalog: Catalog;
  let pair: NetnsPair;
  let echo: EchoServer;

  beforeAll(async () => {
    catalog = await Catalog.discover();
    expect(catalog.get('tcpconnlat')?.available, catalog.get('tcpconnlat')?.reason).toBe(true);
    pair = netnsPair('scl');
    echo = await echoServer();
  });
  afterAll(async () => {
    await echo?.close();
    pair?.destroy();
    expect(await programsLeft()).toEqual([]);
  });

  async function traced<T>(params: Record<string, unknown>, work: () => Promise<T>) {
    const ctl = new AbortController();
    let out!: Promise<T>;
    const job = runJobInline('tcpconnlat', params, {
      catalog,
      durationMs: 15_000,
      signal: ctl.signal,
      onAttached: () => {
        out = work().finally(() => setTimeout(() => ctl.abort(), 300));
      },
    });
    const result = (await job) as ResultEnvelope<TcpconnlatData & { events: TcpconnlatEvent[] }>;
    return { result, data: result.data!, work: await out };
  }

  it('times every connect, refused ones too, within the wall-clock time the child measured', async () => {
    const { result, data, work } = await traced({ comm: 'scl-cli' }, async () => {
      const srv = await acceptIn('scl-srv', pair.ipB, 3, pair.b);
      const targets: ConnectTarget[] = [
        { host: pair.ipB, port: srv.port },
        { host: pair.ipB, port: srv.port, nonblocking: true },
        { host: pair.ipB, port: CLOSED },
        { host: pair.ipB, port: srv.port },
      ];
      const ns = await connectFrom('scl-cli', targets, pair.a);
      const lo = await connectFrom('scl-cli', [{ host: '127.0.0.1', port: echo.port }, { host: '127.0.0.1', port: CLOSED }]);
      await connectFrom('scl-other', [{ host: '127.0.0.1', port: echo.port }]); // another comm: filtered out
      await srv.done;
      return [ns, lo];
    });
    expect(result.variant).toBe('tp_btf');
    const runs = work;
    const all = runs.flatMap((r) => r.results.map((x) => ({ ...x, pid: r.pid })));
    expect(all.map((r) => r.errno)).toEqual([0, 0, 111, 0, 0, 111]);
    expect(data.events.length).toBe(all.length);
    const used = new Set<TcpconnlatEvent>();
    for (const r of all) {
      const e = data.events.find((x) => !used.has(x) && x.pid === r.pid && x.rport === r.port && x.raddr === r.host && (r.errno !== 0 || x.lport === r.lport));
      expect(e, `connect to ${r.host}:${r.port}`).toBeDefined();
      used.add(e!);
      expect(e!.comm).toBe('scl-cli');
      expect(e!.outcome).toBe(r.errno === 0 ? 'established' : 'refused');
      expect(e!.error).toBe(r.errno === 0 ? '' : 'ECONNREFUSED');
      expect(e!.latUs).toBeGreaterThan(0);
      expect(e!.latUs).toBeLessThanOrEqual(r.us);
    }
    // histograms aggregated in the kernel count the same connects (the comm filter applies to them too)
    expect(data.latency.count).toBe(4);
    expect(data.failed.count).toBe(2);
    const okLat = data.events.filter((e) => e.outcome === 'established').map((e) => e.latUs);
    expect(data.latency.max).toBe(Math.floor(Math.max(...okLat)));
    expect(data.latency.min).toBe(Math.floor(Math.min(...okLat)));
    expect(data.outcomes).toEqual({ established: 4, refused: 2 });
  });

  it('reports only connects at or above minUs, yet counts all of them', async () => {
    const { data, work } = await traced({ comm: 'scl-min', minUs: 10_000_000 }, () =>
      connectFrom('scl-min', [{ host: '127.0.0.1', port: echo.port }, { host: '127.0.0.1', port: echo.port }]),
    );
    expect(work.results.map((r) => r.errno)).toEqual([0, 0]);
    expect(data.events).toEqual([]);
    expect(data.latency.count).toBe(2);
  });
});
