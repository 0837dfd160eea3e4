/**
 * tcpaccept against a server child process with a known pid and comm that accepts N connections the
 * test makes, in another network namespace and on loopback: all N appear with the server's pid and
 * comm (not a softirq-interrupted task's: bcc #2304) and the right ports; filters exclude the rest.
 */
import { expect, it } from 'vitest';
import type { TcpacceptData, TcpacceptEvent } from '@sonde/probes-tcpaccept';
import { acceptIn, connectFrom, connSuite } from '../../../test/support/conn-children.js';
import { describeKernel } from '../../../test/support/kernel.js';
import { echoServer } from '../../../test/support/traffic.js';
import { expectAgrees } from '../../../test/support/nstat.js';

describeKernel('tcpaccept on real accepts', () => {
  const s = connSuite<TcpacceptData & { events: TcpacceptEvent[] }>('tcpaccept', 'sta', { echo: false });

  it('reports all N accepts with the server pid, comm and ports, across namespaces and on loopback', async () => {
    const N = 6;
    const { result, data, work } = await s.traced({}, async () => {
      const far = await acceptIn('sta-srv-ns', s.pair.ipB, N, s.pair.b);
      const near = await acceptIn('sta-srv-lo', '127.0.0.1', 2);
      const cli = await connectFrom('sta-cli', [...Array(N)].map(() => ({ host: s.pair.ipB, port: far.port })), s.pair.a);
      const cliLo = await connectFrom('sta-cli-lo', [...Array(2)].map(() => ({ host: '127.0.0.1', port: near.port })));
      return { far, near, farGot: await far.done, nearGot: await near.done, cli, cliLo };
    });
    expect(result.variant).toBe('syscall');
    const { far, near, farGot, cli, cliLo } = work;
    expect(farGot.length).toBe(N);
    const fromFar = data.events.filter((e) => e.lport === far.port && e.netns === s.pair.inoB);
    expect(fromFar.length).toBe(N);
    for (const e of fromFar) {
      expect(e).toMatchObject({ pid: far.pid, tid: far.pid, comm: 'sta-srv-ns', laddr: s.pair.ipB, raddr: s.pair.ipA, family: 4, syscall: 'accept4' });
    }
    expect(fromFar.map((e) => e.rport).sort()).toEqual(cli.results.map((r) => r.lport).sort());
    expect(fromFar.map((e) => e.rport).sort()).toEqual(farGot.map((g) => g.rport).sort());
    const fromNear = data.events.filter((e) => e.pid === near.pid);
    expect(fromNear.map((e) => [e.comm, e.lport, e.laddr, e.raddr])).toEqual([
      ['sta-srv-lo', near.port, '127.0.0.1', '127.0.0.1'],
      ['sta-srv-lo', near.port, '127.0.0.1', '127.0.0.1'],
    ]);
    expect(fromNear.map((e) => e.rport).sort()).toEqual(cliLo.results.map((r) => r.lport).sort());
    expect(data.byLport.find((b) => b.lport === far.port)?.accepts).toBe(N);
  });

  it('keeps only what the filters allow (lport, comm, pid, netns)', async () => {
    const run = async () => {
      const a = await acceptIn('sta-a', '127.0.0.1', 2);
      const b = await acceptIn('sta-b', '127.0.0.1', 2);
      await connectFrom('sta-c', [a, a, b, b].map((s) => ({ host: '127.0.0.1', port: s.port })));
      await Promise.all([a.done, b.done]);
      return { a, b };
    };
    // a port picked ahead of time: the server binds it, so the filter can name it before the job starts
    const port = 20000 + (process.pid % 20000);
    const byPort = await s.traced({ lport: [port] }, async () => {
      const a = await acceptIn('sta-p', '127.0.0.1', 2, null, port);
      const other = await acceptIn('sta-q', '127.0.0.1', 1);
      await connectFrom('sta-c', [{ host: '127.0.0.1', port }, { host: '127.0.0.1', port }, { host: '127.0.0.1', port: other.port }]);
      await Promise.all([a.done, other.done]);
      return a;
    });
    expect(byPort.data.events.map((e) => [e.pid, e.comm, e.lport])).toEqual([
      [byPort.work.pid, 'sta-p', port],
      [byPort.work.pid, 'sta-p', port],
    ]);

    const byComm = await s.traced({ comm: 'sta-b' }, run);
    expect(byComm.data.events.map((e) => [e.pid, e.lport])).toEqual([
      [byComm.work.b.pid, byComm.work.b.port],
      [byComm.work.b.pid, byComm.work.b.port],
    ]);

    // this test process accepts (node's server, through accept4) while a child server accepts too
    const byPid = await s.traced({ pid: process.pid }, async () => {
      const echo = await echoServer();
      const child = await acceptIn('sta-x', '127.0.0.1', 1);
      const c = await connectFrom('sta-c', [{ host: '127.0.0.1', port: echo.port }, { host: '127.0.0.1', port: child.port }]);
      await child.done;
      await new Promise((r) => setTimeout(r, 100));
      await echo.close();
      return { echo, c };
    });
    expect(byPid.data.events.map((e) => [e.pid, e.lport, e.rport])).toEqual([[process.pid, byPid.work.echo.port, byPid.work.c.results[0]!.lport]]);

    const byNs = await s.traced({ netns: s.pair.inoB }, async () => {
      const far = await acceptIn('sta-far', s.pair.ipB, 1, s.pair.b);
      await connectFrom('sta-c', [{ host: s.pair.ipB, port: far.port }], s.pair.a);
      await far.done;
      return { far, local: await run() };
    });
    expect(byNs.data.events.map((e) => [e.pid, e.comm, e.netns])).toEqual([[byNs.work.far.pid, 'sta-far', s.pair.inoB]]);
  });

  it('checked against the kernel: accepts = Tcp.PassiveOpens when every handshake is accepted; queued ones are PassiveOpens only', async () => {
    const ip = s.pair.ipB;
    const all = await s.counted({ netns: s.pair.inoB }, s.pair.b, async () => {
      const srv = await acceptIn('sta-kc', ip, 4, s.pair.b);
      await connectFrom('sta-kc-cli', [...Array(4)].map(() => ({ host: ip, port: srv.port })), s.pair.a);
      return srv.done;
    });
    const passive = all.delta('TcpPassiveOpens');
    console.log(`tcpaccept ${all.result.variant}, all accepted: PassiveOpens +${passive}, total ${all.data.total}`);
    expect(all.traffic).toHaveLength(4);
    expect([passive, all.data.total]).toEqual([4, 4]);
    expectAgrees(all.result, 'Tcp.PassiveOpens', 4, 4);

    // a backlog-2 listener that accepts only after 6 connects, 2 of them, then closes: the accept queue
    // overflows the ordinary way (the queue holds backlog + 1 = 3 children; SYNs and final ACKs past it are
    // dropped, no child: ListenOverflows), and the queued child it never took is reset
    const some = await s.counted({ netns: s.pair.inoB }, s.pair.b, async () => {
      const srv = await acceptIn('sta-kq', ip, 2, s.pair.b, 0, { backlog: 2, gated: true });
      const cli = await connectFrom('sta-kq-cli', [...Array(6)].map(() => ({ host: ip, port: srv.port, nonblocking: true, waitS: 0.3 })), s.pair.a);
      srv.go();
      return { cli, accepted: await srv.done };
    });
    const queued = some.delta('TcpPassiveOpens');
    console.log(`tcpaccept, backlog 2, 2 of 6 accepted: PassiveOpens +${queued}, ListenOverflows +${some.delta('TcpExtListenOverflows')}, total ${some.data.total}; client errnos ${some.traffic.cli.results.map((r) => r.errno)}`);
    expect(some.data.total).toBe(2);
    expect(some.traffic.accepted).toHaveLength(2);
    expect(some.delta('TcpExtListenOverflows')).toBeGreaterThan(0);
    expect(queued).toBe(3); // the queue's backlog + 1 children; the third never accepted
    expectAgrees(some.result, 'Tcp.PassiveOpens', some.data.total, queued);
  });
});
