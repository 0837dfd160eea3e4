/**
 * The kernel's own counters beside a result, on a real kernel: tcpconnect jobs while the test makes
 * connects it knows the outcome of — in a test namespace mounted under /run/netns (read through an
 * nsenter reader, from a worker thread, as the API runs jobs), in a namespace only a process holds
 * (`unshare -n`, read through /proc/<pid>/net, the job's netns given as pid:<n>), and in the
 * namespace sonde runs in. The counters' deltas are what the test did, the cross-checks agree, and
 * `sonde check` asserts on both.
 */
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { evaluateCheck, parseAssertions } from '@sonde/checks';
import type { TcpconnectData } from '@sonde/probes-tcpconnect';
import type { CrossCheck } from '@sonde/probe-sdk';
import { acceptIn, connectFrom, connSuite } from './support/conn-children.js';
import { TestRunner } from './support/job-runner.js';
import { describeKernel } from './support/kernel.js';

const CLOSED = 9; // discard: nothing listens on it in the test's namespaces or on loopback here

const byCounter = (checks: CrossCheck[], counter: string) => checks.find((c) => c.counter === counter);

describeKernel('kernel counters beside the result', () => {
  const s = connSuite<TcpconnectData>('tcpconnect', 'skc');
  const r = TestRunner.use();

  it('tcpconnect filtered to a test namespace (worker thread, nsenter reader): the deltas are the connects made, the cross-checks agree', async () => {
    const id = `counters-ns-${process.pid}`;
    const done = r.t.start<TcpconnectData>(id, 'tcpconnect', { netns: s.pair.inoA }, 60_000);
    expect(await r.t.until(() => r.t.attached.has(id), 30_000)).toBe(true);
    const srv = await acceptIn('skc-srv', s.pair.ipB, 3, s.pair.b);
    const run = await connectFrom(
      'skc-cli',
      [
        { host: s.pair.ipB, port: srv.port },
        { host: s.pair.ipB, port: CLOSED },
        { host: s.pair.ipB, port: srv.port, nonblocking: true },
        { host: s.pair.ipB, port: CLOSED, nonblocking: true },
        { host: '127.0.0.1', port: CLOSED },
        { host: s.pair.ipB, port: srv.port },
      ],
      s.pair.a,
    );
    await srv.done;
    await new Promise((res) => setTimeout(res, 300));
    r.t.runner.stop(id);
    const { result } = await done;
    const refused = run.results.filter((x) => x.errno !== 0).length;
    expect(refused).toBe(3);

    const k = result.kernel!.counters!;
    expect(k.netns).toBe(s.pair.inoA);
    expect(k.source).toBe(`nsenter --net=/run/netns/${s.pair.a}`);
    expect(Date.parse(k.at.start)).toBeGreaterThanOrEqual(r.t.attached.get(id)! - 50);
    expect(Date.parse(k.at.end)).toBeLessThanOrEqual(Date.parse(result.endedAt) + 50);
    expect(k.deltas['Tcp.ActiveOpens']).toBe(6);
    expect(k.deltas['Tcp.AttemptFails']).toBe(refused);
    expect(k.deltas['Tcp.PassiveOpens']).toBeUndefined(); // the listener is in the other namespace
    // the fexit variants also see connects that fail before any SYN: the figure may exceed ActiveOpens there
    const opens = result.variant!.includes('fexit') ? 'atMost' : 'equal';
    expect(byCounter(k.crossChecks, 'Tcp.ActiveOpens')).toMatchObject({ traced: 6, delta: 6, expect: opens, agree: true });
    expect(byCounter(k.crossChecks, 'Tcp.AttemptFails')).toMatchObject({ traced: refused, delta: refused, expect: 'equal', agree: true });
    expect(result.warnings.filter((w) => w.startsWith('kernel counter'))).toEqual([]);
    console.log(`netns ${k.netns} via ${k.source}: read ${Date.parse(k.at.start) - r.t.attached.get(id)!} ms after attach; deltas ${JSON.stringify(k.deltas)}`);

    const rep = evaluateCheck(result, parseAssertions(['counter{ActiveOpens} == 6', `counter{Tcp.AttemptFails} == ${refused}`, 'counter{ListenOverflows} == 0', 'crosscheck{AttemptFails} == agree', 'crosscheck == agree']));
    expect(rep.results.map((x) => [x.name, x.outcome])).toEqual(rep.results.map((x) => [x.name, 'pass']));
  });

  it('a namespace only a process holds (unshare -n, netns pid:<n>): read through /proc/<pid>/net', async () => {
    // lo up, then wait for the go on stdin, connect twice to a closed port, and stay until told to end
    const script = `ip link set lo up; read go; python3 -c "import socket
for i in range(2):
    s = socket.socket(); print(s.connect_ex(('127.0.0.1', ${CLOSED})), flush=True); s.close()"; read end`;
    const child = spawn('unshare', ['--net', 'sh', '-c', script], { stdio: ['pipe', 'pipe', 'inherit'], timeout: 30_000 });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const exited = new Promise((res) => child.on('exit', res));
    try {
      // the namespace is the child's once unshare has exec'd sh
      await new Promise((res) => setTimeout(res, 200));
      const id = `counters-pid-${process.pid}`;
      const done = r.t.start<TcpconnectData>(id, 'tcpconnect', { netns: `pid:${child.pid}` }, 60_000);
      expect(await r.t.until(() => r.t.attached.has(id), 30_000)).toBe(true);
      child.stdin!.write('go\n');
      expect(await r.t.until(() => out.split('\n').filter(Boolean).length === 2, 10_000)).toBe(true);
      r.t.runner.stop(id);
      const { result } = await done;
      expect(out.trim().split('\n')).toEqual(['111', '111']); // ECONNREFUSED
      const k = result.kernel!.counters!;
      expect(k.source).toBe(`/proc/${child.pid}/net`);
      expect(k.deltas).toMatchObject({ 'Tcp.ActiveOpens': 2, 'Tcp.AttemptFails': 2, 'Tcp.OutRsts': 2 });
      expect(byCounter(k.crossChecks, 'Tcp.AttemptFails')).toMatchObject({ traced: 2, delta: 2, expect: 'equal', agree: true });
    } finally {
      child.stdin!.end('end\n');
      await exited;
    }
  });

  it('without a netns filter: the namespace sonde runs in, and the figure may only exceed the counter', async () => {
    const { result, work } = await s.traced({}, () =>
      connectFrom('skc-host', [
        { host: '127.0.0.1', port: s.echo.port },
        { host: '127.0.0.1', port: CLOSED },
        { host: '127.0.0.1', port: s.echo.port, nonblocking: true },
        { host: '127.0.0.1', port: CLOSED, nonblocking: true },
      ]),
    );
    expect(work.results.map((x) => x.errno)).toEqual([0, 111, 0, 111]);
    const k = result.kernel!.counters!;
    expect(k.source).toBe('/proc/self/net');
    // other programs may connect here too: at least the test's
    expect(k.deltas['Tcp.ActiveOpens']).toBeGreaterThanOrEqual(4);
    expect(k.deltas['Tcp.AttemptFails']).toBeGreaterThanOrEqual(2);
    expect(k.deltas['Tcp.PassiveOpens']).toBeGreaterThanOrEqual(2);
    // the hooks see every namespace, the counter this one: delta <= traced, whatever runs elsewhere
    for (const c of k.crossChecks) {
      expect(c).toMatchObject({ expect: 'atMost', agree: true });
      expect(c.note).toContain('every network namespace');
    }
    expect(byCounter(k.crossChecks, 'Tcp.ActiveOpens')!.traced).toBeGreaterThanOrEqual(4);
  });
});
