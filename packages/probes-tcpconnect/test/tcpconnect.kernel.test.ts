/**
 * tcpconnect against connects the test makes from child processes with known pid and comm: between
 * two network namespaces (veth) and on loopback, blocking and non-blocking, to listening and to
 * closed ports. Every connect appears once with the right pid, comm, addresses, ports and outcome —
 * refused ones as 'refused' / ECONNREFUSED — and filters exclude the rest. Also: stopping a job
 * through JobRunner mid-stream returns the partial result with nothing left attached. Where fexit exists,
 * connects that fail before any SYN (no route) are reported with their errno; elsewhere they are not seen.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TcpconnectData, TcpconnectEvent } from '@sonde/probes-tcpconnect';
import { acceptIn, connectFrom, connSuite, type ClientRun, type ConnectTarget } from '../../../test/support/conn-children.js';
import { TestRunner } from '../../../test/support/job-runner.js';
import { describeKernel, loadedPrograms, programsLeft } from '../../../test/support/kernel.js';
import { echoServer, type EchoServer } from '../../../test/support/traffic.js';
import { expectAgrees } from '../../../test/support/nstat.js';
import { connectMix, MIX, MIX_ERRNOS, mixBlackhole } from '../../../test/support/connect-mix.js';

const CLOSED = 9; // discard: nothing listens on it in the test's namespaces or on loopback here

describeKernel('tcpconnect on real connects', () => {
  const s = connSuite<TcpconnectData & { events: TcpconnectEvent[] }>('tcpconnect', 'stc');

  function expectConnects(events: TcpconnectEvent[], run: ClientRun, laddr: string) {
    const mine = events.filter((e) => e.pid === run.pid);
    expect(mine.length).toBe(run.results.length);
    const used = new Set<TcpconnectEvent>();
    for (const r of run.results) {
      // refused sockets lose their port before the child can ask: those pair up in order
      const e = mine.find((x) => !used.has(x) && x.rport === r.port && x.raddr === r.host && (r.errno !== 0 || x.lport === r.lport));
      if (e) used.add(e);
      expect(e, `connect to ${r.host}:${r.port} from ${run.comm}`).toBeDefined();
      expect(e!).toMatchObject({ comm: run.comm, tid: run.pid, laddr, family: 4 });
      if (r.errno === 0) {
        expect(e!).toMatchObject({ outcome: 'established', error: '', lport: r.lport });
      } else {
        expect(r.errno).toBe(111);
        expect(e!).toMatchObject({ outcome: 'refused', error: 'ECONNREFUSED' });
        expect(e!.lport).toBeGreaterThan(0); // the port it had when the RST came, which upstream never shows
      }
      // a blocking connect(2) reports it at its exit, whatever the handshake's speed
      if (r.blocking) expect(e!.via).toBe('connect');
      expect(e!.latUs).toBeGreaterThan(0);
      expect(e!.latUs!).toBeLessThanOrEqual(r.us);
    }
  }

  it('reports every connect between namespaces and on loopback, refused ones as refused', async () => {
    const { data, work } = await s.traced({}, async () => {
      const srv = await acceptIn('stc-srv', s.pair.ipB, 3, s.pair.b);
      // blocking ones: the peers answer at once (a listener, or a RST), so connect(2) returns promptly
      const remote: ConnectTarget[] = [
        { host: s.pair.ipB, port: srv.port, blocking: true },
        { host: s.pair.ipB, port: srv.port, nonblocking: true },
        { host: s.pair.ipB, port: CLOSED, blocking: true },
        { host: s.pair.ipB, port: CLOSED, nonblocking: true },
        { host: s.pair.ipB, port: srv.port, blocking: true },
      ];
      const local: ConnectTarget[] = [
        { host: '127.0.0.1', port: s.echo.port, blocking: true },
        { host: '127.0.0.1', port: CLOSED, blocking: true },
        { host: '127.0.0.1', port: s.echo.port, nonblocking: true },
      ];
      const [a, l] = await Promise.all([connectFrom('stc-cli-ns', remote, s.pair.a), connectFrom('stc-cli-lo', local)]);
      await srv.done;
      return { a, l };
    });
    const { a, l } = work;
    expect(a.results.map((r) => r.errno)).toEqual([0, 0, 111, 111, 0]);
    expect(l.results.map((r) => r.errno)).toEqual([0, 111, 0]);
    expectConnects(data.events, a, s.pair.ipA);
    expectConnects(data.events, l, '127.0.0.1');
    expect(data.events.filter((e) => e.pid === a.pid).every((e) => e.netns === s.pair.inoA)).toBe(true);
    expect(data.totals.connects).toBeGreaterThanOrEqual(8);
    expect(data.outcomes.refused).toBeGreaterThanOrEqual(3);
  });

  /** connect from this test process (its pid is known before the job); resolves with the local port or errno */
  async function nodeConnect(port: number): Promise<{ lport: number; errno: number }> {
    const net = await import('node:net');
    return new Promise((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        const lport = s.localPort!;
        s.destroy();
        resolve({ lport, errno: 0 });
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve({ lport: 0, errno: e.code === 'ECONNREFUSED' ? 111 : -1 }));
    });
  }

  it('keeps only what the filters allow: pid + rport, comm, netns', async () => {
    const targets = (port: number): ConnectTarget[] => [{ host: '127.0.0.1', port }, { host: '127.0.0.1', port: CLOSED }];
    const byPid = await s.traced({ pid: process.pid, rport: [s.echo.port] }, async () => {
      const mine = [await nodeConnect(s.echo.port), await nodeConnect(CLOSED), await nodeConnect(s.echo.port)];
      const other = await connectFrom('stc-other', targets(s.echo.port));
      return { mine, other };
    });
    expect(byPid.work.mine.map((m) => m.errno)).toEqual([0, 111, 0]);
    expect(byPid.work.other.results.map((r) => r.errno)).toEqual([0, 111]);
    expect(byPid.data.events.map((e) => [e.pid, e.rport, e.outcome, e.via])).toEqual([
      [process.pid, s.echo.port, 'established', 'connect'],
      [process.pid, s.echo.port, 'established', 'connect'],
    ]);
    expect(byPid.data.events.map((e) => e.lport)).toEqual([byPid.work.mine[0]!.lport, byPid.work.mine[2]!.lport]);

    const byComm = await s.traced({ comm: 'stc-f1' }, async () => {
      const [x, y] = await Promise.all([connectFrom('stc-f1', targets(s.echo.port)), connectFrom('stc-f2', targets(s.echo.port))]);
      return { x, y };
    });
    expect(byComm.data.events.map((e) => [e.pid, e.comm, e.rport, e.outcome])).toEqual([
      [byComm.work.x.pid, 'stc-f1', s.echo.port, 'established'],
      [byComm.work.x.pid, 'stc-f1', CLOSED, 'refused'],
    ]);

    const byNs = await s.traced({ netns: s.pair.inoA }, async () => {
      const srv = await acceptIn('stc-srv2', s.pair.ipB, 1, s.pair.b);
      const [n, lo] = await Promise.all([
        connectFrom('stc-ns', [{ host: s.pair.ipB, port: srv.port }, { host: s.pair.ipB, port: CLOSED }], s.pair.a),
        connectFrom('stc-lo', targets(s.echo.port)),
      ]);
      await srv.done;
      return { n, lo };
    });
    expect(byNs.data.events.length).toBe(2);
    expect(byNs.data.events.every((e) => e.pid === byNs.work.n.pid && e.netns === s.pair.inoA)).toBe(true);
    expect(byNs.data.events.map((e) => e.outcome).sort()).toEqual(['established', 'refused']);
  });

  it('connects that fail before any SYN (no route): reported with their errno where fexit exists, absent elsewhere', async () => {
    // namespace a routes only its own /24: these fail inside tcp_v4_connect/tcp_v6_connect with ENETUNREACH,
    // before CLOSE->SYN_SENT (the v4-mapped one goes through tcp_v6_connect into tcp_v4_connect)
    const targets: ConnectTarget[] = [
      { host: '10.99.1.1', port: 80 },
      { host: '10.99.1.2', port: 443, nonblocking: true },
      { host: '2001:db8::1', port: 8080 },
      { host: '::ffff:10.99.1.3', port: 8081 },
    ];
    const { result, data, work } = await s.traced({}, () => connectFrom('stc-noroute', targets, s.pair.a));
    const variant = s.catalog.get('tcpconnect')!.variant!;
    expect(result.variant).toBe(variant);
    expect(work.results.map((r) => r.errno)).toEqual([101, 101, 101, 101]); // ground truth: the child's own errno
    const mine = data.events.filter((e) => e.pid === work.pid);
    if (!variant.includes('fexit')) {
      // no trampolines here (the 6.18 host): no state change, so nothing to see
      expect(mine).toEqual([]);
      return;
    }
    expect(mine.map((e) => [e.family, e.raddr, e.rport])).toEqual([
      [4, '10.99.1.1', 80],
      [4, '10.99.1.2', 443],
      [6, '2001:db8::1', 8080],
      [4, '10.99.1.3', 8081],
    ]);
    for (const e of mine) {
      expect(e).toMatchObject({ comm: 'stc-noroute', tid: work.pid, netns: s.pair.inoA, outcome: 'unreachable', error: 'ENETUNREACH', ret: -101, via: 'before-syn', latUs: null, lport: 0 });
    }
    expect(data.outcomes.unreachable).toBe(4);
  });

  it('checked against the kernel: connects = Tcp.ActiveOpens, refused + timed out = Tcp.AttemptFails (an owner\'s abort is neither)', async () => {
    // connect-mix.ts: 3 established, 2 refused, 1 timed out at a SYN black hole, 1 aborted by its owner
    const drop = mixBlackhole(s.pair);
    try {
      for (const count of [false, true]) {
        const { result, data, traffic, delta, moved } = await s.counted({ netns: s.pair.inoA, count }, s.pair.a, () =>
          connectMix(s.pair, 'stc-kc', drop.port),
        );
        expect(traffic.results.map((r) => r.errno)).toEqual(MIX_ERRNOS);
        const opens = delta('TcpActiveOpens');
        const fails = delta('TcpAttemptFails');
        console.log(`tcpconnect ${result.variant} count=${count}: ActiveOpens +${opens}, AttemptFails +${fails}; traced ${data.totals.connects} connects, outcomes ${JSON.stringify(data.outcomes)}, failed ${data.totals.failed}; moved ${JSON.stringify(moved)}`);
        expect([opens, fails]).toEqual([MIX.opens, MIX.attemptFails]);
        expect(data.totals.connects).toBe(opens);
        if (count) {
          // count mode cannot tell the owner's abort from a failure: failed = AttemptFails + aborts
          expect(data.totals.failed).toBe(fails + 1);
          expectAgrees(result, 'Tcp.AttemptFails', fails + 1, fails);
        } else {
          expect(data.outcomes).toEqual(MIX.outcomes);
          expect(data.outcomes.refused! + data.outcomes.timeout!).toBe(fails);
          expectAgrees(result, 'Tcp.AttemptFails', fails, fails);
        }
        expectAgrees(result, 'Tcp.ActiveOpens', opens, opens);
      }
    } finally {
      drop.remove();
    }
  }, 60_000);

  it('counts connects per (laddr, raddr, rport) in the kernel, failed ones too', async () => {
    const { data } = await s.traced({ count: true, comm: 'stc-count' }, async () => {
      const srv = await acceptIn('stc-srv3', s.pair.ipB, 4, s.pair.b);
      const run = await connectFrom(
        'stc-count',
        [...Array(4)].map(() => ({ host: s.pair.ipB, port: srv.port })).concat([{ host: s.pair.ipB, port: CLOSED }, { host: s.pair.ipB, port: CLOSED }]),
        s.pair.a,
      );
      await srv.done;
      return run;
    });
    expect(data.mode).toBe('count');
    expect(data.events).toEqual([]);
    const rows = data.counts!.map((c) => [c.laddr, c.raddr, c.rport, c.connects, c.failed]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual([s.pair.ipA, s.pair.ipB, expect.any(Number), 4, 0]);
    expect(rows[1]).toEqual([s.pair.ipA, s.pair.ipB, CLOSED, 2, 2]);
    expect(data.totals).toEqual({ connects: 6, failed: 2 });
  });
});

describeKernel('tcpconnect through JobRunner', () => {
  let t: TestRunner;
  let echo: EchoServer;

  beforeAll(async () => {
    t = await TestRunner.open();
    echo = await echoServer();
  });
  afterAll(async () => {
    await t?.close();
    await echo?.close();
    expect(await programsLeft()).toEqual([]);
  });

  it('stops mid-stream with the partial result; nothing stays attached', async () => {
    const done = t.start<TcpconnectData & { events: TcpconnectEvent[] }>('tc-stop', 'tcpconnect', { rport: [echo.port] }, 30_000);
    const until = Date.now() + 10_000;
    await t.until(() => t.attached.has('tc-stop'), until - Date.now());
    // the state handler is tcpconnect_skp in the fexit variants (it also notes SYN_SENT for them)
    const loaded = loadedPrograms();
    expect(loaded).toContain('tcpconnect_exit');
    expect(loaded.filter((n) => n === 'tcpconnect_sk' || n === 'tcpconnect_skp')).toHaveLength(1);

    // a steady stream of connects (one every ~2 ms, bounded) until the job has ended
    let stop = false;
    let made = 0;
    const net = await import('node:net');
    const stream = (async () => {
      while (!stop && made < 5000 && Date.now() < until) {
        await new Promise<void>((resolve) => {
          const s = net.connect({ port: echo.port, host: '127.0.0.1' }, () => s.destroy());
          s.on('close', () => resolve());
          s.on('error', () => resolve());
        });
        made++;
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const got = () => t.streamed.get('tc-stop') ?? 0;
    await t.until(() => got() >= 50, until - Date.now());
    expect(got()).toBeGreaterThanOrEqual(50);

    const e = await t.stopMidStream('tc-stop', done).finally(() => (stop = true));
    await stream;
    const took = e.stopMs;
    const data = e.result.data!;
    expect(data.events.length).toBeGreaterThanOrEqual(50);
    expect(data.events.length).toBeLessThanOrEqual(made);
    expect(data.events.every((x) => x.pid === process.pid && x.rport === echo.port && x.outcome === 'established')).toBe(true);
    expect(e.result.stats.events).toBe(data.events.length);
    expect(await programsLeft()).toEqual([]);
    console.log(`stop: ${took} ms after ${data.events.length} events (${made} connects made)`);
  });
});
