/**
 * tcpconnlat against connects the test makes from a child with a known pid and comm, between two
 * network namespaces and on loopback: every connect appears once, refused ones flagged, each latency
 * positive and below the child's own wall-clock measure of that connect; the kernel histograms count
 * exactly those connects.
 */
import { expect, it } from 'vitest';
import type { TcpconnlatData, TcpconnlatEvent } from '@sonde/probes-tcpconnlat';
import { acceptIn, connectFrom, connSuite, type ConnectTarget } from '../../../test/support/conn-children.js';
import { describeKernel } from '../../../test/support/kernel.js';
import { expectAgrees } from '../../../test/support/nstat.js';
import { connectMix, MIX, MIX_ERRNOS, mixBlackhole } from '../../../test/support/connect-mix.js';

const CLOSED = 9;

describeKernel('tcpconnlat on real connects', () => {
  const s = connSuite<TcpconnlatData & { events: TcpconnlatEvent[] }>('tcpconnlat', 'scl');

  it('times every connect, refused ones too, within the wall-clock time the child measured', async () => {
    const { result, data, work } = await s.traced({ comm: 'scl-cli' }, async () => {
      const srv = await acceptIn('scl-srv', s.pair.ipB, 3, s.pair.b);
      const targets: ConnectTarget[] = [
        { host: s.pair.ipB, port: srv.port },
        { host: s.pair.ipB, port: srv.port, nonblocking: true },
        { host: s.pair.ipB, port: CLOSED },
        { host: s.pair.ipB, port: srv.port },
      ];
      const ns = await connectFrom('scl-cli', targets, s.pair.a);
      const lo = await connectFrom('scl-cli', [{ host: '127.0.0.1', port: s.echo.port }, { host: '127.0.0.1', port: CLOSED }]);
      await connectFrom('scl-other', [{ host: '127.0.0.1', port: s.echo.port }]); // another comm: filtered out
      await srv.done;
      return [ns, lo];
    });
    expect(result.variant).toBe(s.catalog.get('tcpconnlat')!.variant);
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
    const { data, work } = await s.traced({ comm: 'scl-min', minUs: 10_000_000 }, () =>
      connectFrom('scl-min', [{ host: '127.0.0.1', port: s.echo.port }, { host: '127.0.0.1', port: s.echo.port }]),
    );
    expect(work.results.map((r) => r.errno)).toEqual([0, 0]);
    expect(data.events).toEqual([]);
    expect(data.latency.count).toBe(2);
  });

  it('checked against the kernel: handshakes timed = Tcp.ActiveOpens, failed ones less owners\' aborts = Tcp.AttemptFails', async () => {
    // connect-mix.ts: 3 established, 2 refused, 1 timed out at a SYN black hole, 1 aborted by its owner
    const drop = mixBlackhole(s.pair);
    try {
      const { result, data, traffic, delta } = await s.counted({ netns: s.pair.inoA }, s.pair.a, () => connectMix(s.pair, 'scl-kc', drop.port));
      expect(traffic.results.map((r) => r.errno)).toEqual(MIX_ERRNOS);
      const [opens, fails] = [delta('TcpActiveOpens'), delta('TcpAttemptFails')];
      console.log(`tcpconnlat ${result.variant}: ActiveOpens +${opens}, AttemptFails +${fails}; traced ${data.latency.count} established + ${data.failed.count} failed, outcomes ${JSON.stringify(data.outcomes)}`);
      expect([opens, fails]).toEqual([MIX.opens, MIX.attemptFails]);
      expect(data.outcomes).toEqual(MIX.outcomes);
      expect(data.latency.count + data.failed.count).toBe(opens);
      expect(data.failed.count - data.outcomes.aborted!).toBe(fails);
      expectAgrees(result, 'Tcp.ActiveOpens', opens, opens);
      expectAgrees(result, 'Tcp.AttemptFails', fails, fails);
    } finally {
      drop.remove();
    }
  }, 60_000);
});
