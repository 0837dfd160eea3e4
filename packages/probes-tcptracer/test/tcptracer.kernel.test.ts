/**
 * tcptracer against connections made by child processes with known pids and comms: one C per
 * connect (connecting process), one A per accept (accepting process), exactly one X per socket end
 * (the process that closed it), right tuples and netns; task filters keep only their process.
 */
import { statSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog } from '@sonde/core-loader';

import { describeKernel, programsLeft } from '../../../test/support/kernel.js';
import { converse } from '../../../test/support/conns.js';
import { runWhile } from '../../../test/support/job-while.js';
import { acceptIn, connectFrom } from '../../../test/support/conn-children.js';
import { netnsPair } from '../../../test/support/netns.js';
import { countedRun, expectAgrees } from '../../../test/support/nstat.js';

interface Ev {
  type: string;
  pid: number;
  comm: string;
  netns: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
}
interface Data {
  events: Ev[];
  counts: { connect: number; accept: number; close: number };
}

describeKernel('tcptracer on real connections', () => {
  let catalog: Catalog;
  const hostNetns = statSync('/proc/self/ns/net').ino;

  beforeAll(async () => {
    catalog = await Catalog.discover();
    expect(catalog.get('tcptracer')?.available, catalog.get('tcptracer')?.reason).toBe(true);
  });
  afterAll(async () => {
    expect(await programsLeft()).toEqual([]);
  });

  async function run(params: Record<string, unknown>, conns: number) {
    // the job lasts until the traffic is done (job-while.ts): what it saw is all the traffic did
    const { result, traffic: t } = await runWhile<Data, Awaited<ReturnType<typeof converse>>>(
      'tcptracer', params, () => converse({ serverComm: 'tt-srv', clientComm: 'tt-cli', conns }), { catalog },
    );
    expect(result.stoppedBy).toBe('cancel');
    expect(result.stats.lost).toBe(0);
    return { result, data: result.data!, ...t };
  }

  it('reports C, A and one X per end with the right process, tuple and netns', async () => {
    const { result, data, port, server, client, clientPorts } = await run({}, 3);
    expect(result.variant).toBe(catalog.get('tcptracer')!.variant);
    for (const cport of clientPorts) {
      const cl = data.events.filter((e) => e.lport === cport && e.rport === port);
      const sv = data.events.filter((e) => e.lport === port && e.rport === cport);
      expect(cl.map((e) => e.type)).toEqual(['C', 'X']);
      expect(sv.map((e) => e.type)).toEqual(['A', 'X']);
      for (const e of cl) expect(e).toMatchObject({ pid: client.pid, comm: 'tt-cli', laddr: '127.0.0.1', raddr: '127.0.0.1', netns: hostNetns });
      for (const e of sv) expect(e).toMatchObject({ pid: server.pid, comm: 'tt-srv', laddr: '127.0.0.1', raddr: '127.0.0.1', netns: hostNetns });
    }
    expect(data.counts).toEqual({
      connect: data.events.filter((e) => e.type === 'C').length,
      accept: data.events.filter((e) => e.type === 'A').length,
      close: data.events.filter((e) => e.type === 'X').length,
    });
  });

  it('keeps only the chosen process and port', async () => {
    const byComm = await run({ comm: 'tt-srv' }, 2);
    expect(byComm.data.events.map((e) => e.type).sort()).toEqual(['A', 'A', 'X', 'X']);
    expect(byComm.data.events.every((e) => e.pid === byComm.server.pid && e.lport === byComm.port)).toBe(true);
    const byPid = await run({ pid: 1 }, 1);
    expect(byPid.data.events.filter((e) => e.lport === byPid.port || e.rport === byPid.port)).toEqual([]);
  });

  it('checked against the kernel: A = Tcp.PassiveOpens, C = Tcp.ActiveOpens less AttemptFails', async () => {
    // the loopback of one test namespace: both ends counted there
    const kn = netnsPair('sktt');
    try {
      const { result, data, delta, moved } = await countedRun<Data, unknown>(catalog, 'tcptracer', { netns: kn.inoA }, kn.a, async () => {
        const srv = await acceptIn('tt-kc-srv', '127.0.0.1', 3, kn.a);
        const lo = '127.0.0.1';
        const targets = [{ host: lo, port: srv.port }, { host: lo, port: 9 }, { host: lo, port: srv.port, reset: true }, { host: lo, port: 9 }, { host: lo, port: srv.port }];
        const run = await connectFrom('tt-kc', targets, kn.a);
        await srv.done;
        return run;
      });
      const [opens, passive, fails] = ['TcpActiveOpens', 'TcpPassiveOpens', 'TcpAttemptFails'].map(delta) as [number, number, number];
      console.log(`tcptracer ${result.variant}: nstat ActiveOpens +${opens}, PassiveOpens +${passive}, AttemptFails +${fails}, EstabResets +${delta('TcpEstabResets')}; counts ${JSON.stringify(data.counts)}; moved ${JSON.stringify(moved)}`);
      expect([opens, passive, fails]).toEqual([5, 3, 2]);
      expect(data.counts.accept).toBe(passive);
      expect(data.counts.connect).toBe(opens - fails);
      expect(data.counts.close).toBe(2 * 3); // both ends of each established connection
      expectAgrees(result, 'Tcp.PassiveOpens', passive, passive);
      expectAgrees(result, 'Tcp.ActiveOpens', opens - fails, opens);
    } finally {
      kn.destroy();
    }
  });
});
