/**
 * tcpstates against connections made by child processes with known pids and comms: every state
 * change of every connection is an event with the right owner, tuple and states; port, task and
 * netns filters keep exactly what they should; the in-kernel summary agrees with the events.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog } from '@sonde/core-loader';
import { TestRunner } from '../../../test/support/job-runner.js';
import { describeKernel, programsLeft } from '../../../test/support/kernel.js';
import { runWhile } from '../../../test/support/job-while.js';
import { converse } from '../../../test/support/conns.js';
import { netnsPair, type NetnsPair } from '../../../test/support/netns.js';
import { acceptIn, connectFrom } from '../../../test/support/conn-children.js';
import { countedRun, expectAgrees } from '../../../test/support/nstat.js';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';

/**
 * A pre-fork server: the master (comm pf-master) listens, a forked worker (comm pf-worker) accepts
 * one connection and closes it first. Prints "<port> <master pid>" once listening, then
 * "<worker pid>" once the worker has closed. Every socket has a 10 s timeout.
 */
const PREFORK = String.raw`
import os, socket, sys
open('/proc/self/comm', 'w').write('pf-master')
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8); s.settimeout(10)
print(s.getsockname()[1], os.getpid(), flush=True)
pid = os.fork()
if pid == 0:
    open('/proc/self/comm', 'w').write('pf-worker')
    c, _ = s.accept(); c.close()
    print(os.getpid(), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
s.close()
`;

/** run PREFORK, connect once, wait for the worker's close: the pids and the ports */
async function preforkOnce(): Promise<{ port: number; master: number; worker: number; clientPort: number }> {
  const p = spawn('python3', ['-c', PREFORK], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => p.once('exit', r));
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const line = async (n: number): Promise<string> => {
    for (let waited = 0; waited < 10_000; waited += 20) {
      const lines = out.split('\n');
      if (lines.length > n + 1) return lines[n]!;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`prefork server: line ${n} not printed in 10 s (got ${JSON.stringify(out)})`);
  };
  const [port, master] = (await line(0)).split(' ').map(Number) as [number, number];
  const clientPort = await new Promise<number>((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => resolve(c.localPort!));
    c.setTimeout(10_000, () => c.destroy(new Error('client timeout')));
    c.on('error', reject);
    c.on('end', () => c.end());
    c.resume();
  });
  const worker = Number(await line(1));
  await exited;
  return { port, master, worker, clientPort };
}

interface Ev {
  pid: number;
  comm: string;
  skaddr: string;
  family: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  netns: number;
  oldstate: string;
  newstate: string;
  ms: number | null;
}
interface Data {
  events: Ev[];
  transitions: Array<{ from: string; to: string; count: number }>;
  dwell: Array<{ state: string; hist: { count: number } }>;
}

const CLIENT_PATH = ['CLOSE>SYN_SENT', 'SYN_SENT>ESTABLISHED', 'ESTABLISHED>FIN_WAIT1', 'FIN_WAIT1>FIN_WAIT2', 'FIN_WAIT2>CLOSE'];
const SERVER_PATH = ['LISTEN>SYN_RECV', 'SYN_RECV>ESTABLISHED', 'ESTABLISHED>CLOSE_WAIT', 'CLOSE_WAIT>LAST_ACK', 'LAST_ACK>CLOSE'];
const path = (evs: Ev[]) => evs.map((e) => `${e.oldstate}>${e.newstate}`);

/** the events of one socket's life around `at`: socket memory is reused, so skaddr alone is not enough */
function lifeOf(evs: Ev[], at: Ev): Ev[] {
  const same = evs.filter((e) => e.skaddr === at.skaddr);
  let i = same.indexOf(at);
  while (i > 0 && same[i]!.oldstate !== 'CLOSE') i--;
  let j = same.indexOf(at);
  while (j < same.length - 1 && same[j]!.newstate !== 'CLOSE') j++;
  return same.slice(i, j + 1);
}

describeKernel('tcpstates on real connections', () => {
  let catalog: Catalog;
  let ns: NetnsPair | undefined;

  beforeAll(async () => {
    catalog = await Catalog.discover();
    expect(catalog.get('tcpstates')?.available, catalog.get('tcpstates')?.reason).toBe(true);
  });
  afterAll(async () => {
    ns?.destroy();
    expect(await programsLeft()).toEqual([]);
  });

  /** the job lasts until the traffic is done (job-while.ts): what it saw is all the traffic did */
  async function run(params: Record<string, unknown>, traffic: Parameters<typeof converse>[0]) {
    const { result, traffic: t } = await runWhile<Data, Awaited<ReturnType<typeof converse>>>('tcpstates', params, () => converse(traffic), { catalog });
    expect(result.stoppedBy).toBe('cancel');
    expect(result.stats.lost).toBe(0);
    return { result, data: result.data!, ...t };
  }

  it('sees every state change of both ends with the right owner, tuple and times', async () => {
    const { result, data, port, server, client, clientPorts, serverLines } = await run({}, { serverComm: 'st-srv', clientComm: 'st-cli', conns: 3 });
    expect(result.variant).toBe(catalog.get('tcpstates')!.variant);
    expect(clientPorts).toHaveLength(3);
    const mine = data.events.filter((e) => e.lport === port || e.rport === port);
    const listener = mine.filter((e) => e.rport === 0 && e.lport === port);
    expect(path(listener)).toEqual(['CLOSE>LISTEN', 'LISTEN>CLOSE']);
    expect(listener.every((e) => e.pid === server.pid && e.comm === 'st-srv')).toBe(true);

    for (const cport of clientPorts) {
      // client end: the SYN_SENT event still has local port 0 (not bound yet): tie it by skaddr
      const est = mine.find((e) => e.lport === cport && e.rport === port && e.newstate === 'ESTABLISHED')!;
      expect(est).toBeDefined();
      const cl = lifeOf(mine, est);
      expect(path(cl)).toEqual(CLIENT_PATH);
      for (const e of cl) {
        expect([e.pid, e.comm, e.laddr, e.raddr, e.rport]).toEqual([client.pid, 'st-cli', '127.0.0.1', '127.0.0.1', port]);
        expect(e.lport).toBe(e.oldstate === 'CLOSE' ? 0 : cport);
      }
      expect(cl[0]!.ms).toBeNull(); // the CLOSE before connect() has no start
      expect(cl.slice(1).every((e) => e.ms !== null && e.ms >= 0 && e.ms < 2000)).toBe(true);

      // server end: softirq until accept(), attributed to the process listening on the port (upstream: pid 0)
      const sv = mine.filter((e) => e.lport === port && e.rport === cport);
      expect(path(sv)).toEqual(SERVER_PATH);
      expect(sv.every((e) => e.pid === server.pid && e.comm === 'st-srv')).toBe(true);
    }
    expect(serverLines.map((l) => l.accepted)).toEqual(clientPorts);

    // the kernel's summary counts at least our transitions and agrees with itself
    const count = (from: string, to: string) => data.transitions.find((t) => t.from === from && t.to === to)?.count ?? 0;
    expect(count('SYN_SENT', 'ESTABLISHED')).toBeGreaterThanOrEqual(3);
    expect(count('CLOSE_WAIT', 'LAST_ACK')).toBeGreaterThanOrEqual(3);
    const evCount = (from: string, to: string) => data.events.filter((e) => e.oldstate === from && e.newstate === to).length;
    expect(count('SYN_SENT', 'ESTABLISHED')).toBe(evCount('SYN_SENT', 'ESTABLISHED'));
    const dwellSynSent = data.dwell.find((d) => d.state === 'SYN_SENT')!.hist.count;
    expect(dwellSynSent).toBe(data.events.filter((e) => e.oldstate === 'SYN_SENT' && e.ms !== null).length);
  });

  it('keeps only what the port, comm and pid filters select', async () => {
    // remote port = the server's: client ends only (after connect), nothing of the server end
    const serverPort = 61000 + (process.pid % 1000);
    const byPort = await run({ rport: serverPort }, { serverComm: 'st-srv', clientComm: 'st-cli', conns: 2, port: serverPort });
    expect(byPort.data.events.length).toBeGreaterThanOrEqual(2 * CLIENT_PATH.length);
    expect(byPort.data.events.every((e) => e.rport === serverPort && e.comm === 'st-cli')).toBe(true);

    const byComm = await run({ comm: 'st-srv' }, { serverComm: 'st-srv', clientComm: 'st-cli', conns: 2 });
    expect(byComm.data.events.every((e) => e.comm === 'st-srv' && e.pid === byComm.server.pid)).toBe(true);
    // listener (2) + every change of both accepted connections (the pre-accept ones carry the listener's owner)
    expect(path(byComm.data.events).sort()).toEqual([...['CLOSE>LISTEN', 'LISTEN>CLOSE'], ...SERVER_PATH, ...SERVER_PATH].sort());

    const byPid = await run({ pid: 1 }, { serverComm: 'st-srv', clientComm: 'st-cli', conns: 1 });
    expect(byPid.data.events.filter((e) => e.lport === byPid.port || e.rport === byPid.port)).toEqual([]);
    expect(byPid.data.transitions.every((t) => t.count >= 0)).toBe(true);
  });

  it('a pre-fork worker that accepts and closes takes over from the listening master', async () => {
    const { result, traffic } = await runWhile<Data, Awaited<ReturnType<typeof preforkOnce>>>('tcpstates', {}, preforkOnce, { catalog });
    const { port, master, worker, clientPort } = traffic;
    const sv = result.data!.events.filter((e) => e.lport === port && e.rport === clientPort);
    // active close by the worker: its close() runs with the socket locked, in the worker's context
    expect(path(sv)).toEqual(['LISTEN>SYN_RECV', 'SYN_RECV>ESTABLISHED', 'ESTABLISHED>FIN_WAIT1', 'FIN_WAIT1>FIN_WAIT2', 'FIN_WAIT2>CLOSE']);
    const who = sv.map((e) => `${e.pid}/${e.comm}`);
    expect(who).toEqual([`${master}/pf-master`, `${master}/pf-master`, `${worker}/pf-worker`, `${worker}/pf-worker`, `${worker}/pf-worker`]);
  });

  it('keeps only sockets of the chosen network namespace, IPv4 only', async () => {
    ns = netnsPair('sst');
    const exec = (n: string) => ['ip', 'netns', 'exec', n];
    const { data, port, client } = await run(
      { netns: ns.inoB, family: 4 },
      { serverComm: 'st-srv', clientComm: 'st-cli', conns: 2, serverHost: ns.ipA, host: ns.ipA, serverPrefix: exec(ns.a), clientPrefix: exec(ns.b) },
    );
    expect(data.events.length).toBe(2 * CLIENT_PATH.length);
    expect(data.events.every((e) => e.netns === ns!.inoB && e.pid === client.pid && e.raddr === ns!.ipA && e.rport === port)).toBe(true);
    expect(data.events.filter((e) => e.newstate === 'ESTABLISHED').every((e) => e.laddr === ns!.ipB)).toBe(true);
  });

  it('checked against the kernel: opens, resets and failed attempts equal Tcp.ActiveOpens, PassiveOpens, EstabResets, AttemptFails', async () => {
    // everything on the loopback of one test namespace: both ends counted there
    const kn = netnsPair('skst');
    try {
      const { result, data, delta, moved } = await countedRun<Data, unknown>(catalog, 'tcpstates', { netns: kn.inoA }, kn.a, async () => {
        const srv = await acceptIn('st-kc-srv', '127.0.0.1', 4, kn.a);
        const lo = '127.0.0.1';
        const run = await connectFrom(
          'st-kc',
          [
            { host: lo, port: srv.port },
            { host: lo, port: srv.port, reset: true },
            { host: lo, port: srv.port, nonblocking: true, reset: true },
            { host: lo, port: 9 },
            { host: lo, port: srv.port },
            { host: lo, port: 9, nonblocking: true },
          ],
          kn.a,
        );
        await srv.done;
        return run;
      });
      const n = (from: string, to: string) => data.transitions.find((t) => t.from === from && t.to === to)?.count ?? 0;
      const [opens, passive, resets, fails] = ['TcpActiveOpens', 'TcpPassiveOpens', 'TcpEstabResets', 'TcpAttemptFails'].map(delta) as [number, number, number, number];
      console.log(`tcpstates ${result.variant}: nstat ${JSON.stringify(moved)}; transitions ${JSON.stringify(data.transitions)}`);
      expect([opens, passive, fails]).toEqual([6, 4, 2]);
      expect(resets).toBeGreaterThanOrEqual(2); // each RST closes the client, and the server too unless it closed first
      expect(n('CLOSE', 'SYN_SENT')).toBe(opens);
      expect(n('LISTEN', 'SYN_RECV')).toBe(passive);
      expect(n('ESTABLISHED', 'CLOSE') + n('CLOSE_WAIT', 'CLOSE')).toBe(resets);
      expect(n('SYN_SENT', 'CLOSE') + n('SYN_RECV', 'CLOSE')).toBe(fails);
      expectAgrees(result, 'Tcp.ActiveOpens', opens, opens);
      expectAgrees(result, 'Tcp.PassiveOpens', passive, passive);
      expectAgrees(result, 'Tcp.EstabResets', resets, resets);
      expectAgrees(result, 'Tcp.AttemptFails', fails, fails);
    } finally {
      kn.destroy();
    }
  });

  it('stops mid-stream with the partial result', async () => {
    const t = await TestRunner.open();
    try {
      const done = t.start<Data>('st-stop', 'tcpstates', {}, 30_000);
      await t.until(() => t.attached.has('st-stop'), 30_000, 10);
      expect(t.attached.has('st-stop')).toBe(true);
      const talk = converse({ serverComm: 'st-srv', clientComm: 'st-cli', conns: 20 });
      await t.until(() => (t.streamed.get('st-stop') ?? 0) > 0, 30_000, 10);
      expect(t.streamed.get('st-stop') ?? 0).toBeGreaterThan(0); // events are flowing: stop mid-stream
      const e = await t.stopMidStream('st-stop', done);
      expect(e.result.data!.events.length).toBeGreaterThan(0);
      expect(e.result.data!.transitions.length).toBeGreaterThan(0);
      await talk;
    } finally {
      await t.close();
    }
    expect(await programsLeft()).toEqual([]);
  });
});
