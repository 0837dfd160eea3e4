/**
 * tcplife against sessions made by child processes with known pids, comms and byte counts: one
 * event per session and end, the owner of the passive end is the process that accepted it, and
 * the byte counts are exactly what each side sent and received.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog } from '@sonde/core-loader';
import type { Histogram } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from '../../../test/support/kernel.js';
import { converse } from '../../../test/support/conns.js';
import { runWhile } from '../../../test/support/job-while.js';
import { connectFrom, type ClientRun } from '../../../test/support/conn-children.js';
import { netnsPair } from '../../../test/support/netns.js';
import { countedRun, expectAgrees, plainTcp, tcpPayloadSent } from '../../../test/support/nstat.js';

interface Ev {
  pid: number;
  comm: string;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  txBytes: number;
  rxBytes: number;
  ms: number;
}
interface Data {
  events: Ev[];
  sessions: number;
  duration: Histogram;
  txBytes: Histogram;
  rxBytes: Histogram;
}

describeKernel('tcplife on real sessions', () => {
  let catalog: Catalog;

  beforeAll(async () => {
    catalog = await Catalog.discover();
    expect(catalog.get('tcplife')?.available, catalog.get('tcplife')?.reason).toBe(true);
  });
  afterAll(async () => {
    expect(await programsLeft()).toEqual([]);
  });

  /** the job lasts until the traffic is done (job-while.ts): what it saw is all the traffic did */
  async function run(params: Record<string, unknown>, traffic: Parameters<typeof converse>[0]) {
    const { result, traffic: t } = await runWhile<Data, Awaited<ReturnType<typeof converse>>>('tcplife', params, () => converse(traffic), { catalog });
    expect(result.stoppedBy).toBe('cancel');
    expect(result.stats.lost).toBe(0);
    return { result, data: result.data!, ...t };
  }

  it('reports each session at both ends with exact bytes, owner and lifetime', async () => {
    const req = 123_457;
    const resp = 54_321;
    const { result, data, port, server, client, clientPorts } = await run({}, { serverComm: 'tl-srv', clientComm: 'tl-cli', conns: 3, req, resp });
    expect(result.variant).toBe(catalog.get('tcplife')!.variant);
    expect(clientPorts).toHaveLength(3);
    for (const cport of clientPorts) {
      const c = data.events.filter((e) => e.lport === cport && e.rport === port);
      expect(c).toHaveLength(1);
      expect(c[0]).toMatchObject({ pid: client.pid, comm: 'tl-cli', laddr: '127.0.0.1', raddr: '127.0.0.1', txBytes: req, rxBytes: resp });
      const s = data.events.filter((e) => e.lport === port && e.rport === cport);
      expect(s).toHaveLength(1);
      // the passive end belongs to the process that accepted it (upstream: whoever was on the CPU)
      expect(s[0]).toMatchObject({ pid: server.pid, comm: 'tl-srv', txBytes: resp, rxBytes: req });
      for (const e of [...c, ...s]) expect(e.ms).toBeGreaterThan(0);
    }
    // the in-kernel summary covers every reported session
    const mine = data.events.filter((e) => e.lport === port || e.rport === port);
    expect(mine).toHaveLength(6);
    expect(data.sessions).toBe(data.events.length);
    expect(data.duration.count).toBe(data.sessions);
    expect(data.txBytes.sum).toBe(data.events.reduce((s, e) => s + e.txBytes, 0));
    expect(data.rxBytes.sum).toBe(data.events.reduce((s, e) => s + e.rxBytes, 0));
  });

  it('keeps only the sessions the filters select', async () => {
    const byComm = await run({ comm: 'tl-srv' }, { serverComm: 'tl-srv', clientComm: 'tl-cli', conns: 2, req: 10, resp: 20 });
    expect(byComm.data.events).toHaveLength(2);
    expect(byComm.data.events.every((e) => e.pid === byComm.server.pid && e.lport === byComm.port && e.txBytes === 20 && e.rxBytes === 10)).toBe(true);
    expect(byComm.data.sessions).toBe(2);

    const serverPort = 62000 + (process.pid % 1000);
    const byPort = await run({ rport: [serverPort], pid: 1 }, { serverComm: 'tl-srv', clientComm: 'tl-cli', conns: 1, port: serverPort });
    expect(byPort.data.events).toEqual([]);
    const byPort2 = await run({ rport: [serverPort] }, { serverComm: 'tl-srv', clientComm: 'tl-cli', conns: 2, port: serverPort, req: 5, resp: 7 });
    expect(byPort2.data.events.map((e) => [e.pid, e.lport, e.txBytes, e.rxBytes])).toEqual(
      byPort2.clientPorts.map((p) => [byPort2.client.pid, p, 5, 7]),
    );
  });

  it('checked against the kernel: sessions = Tcp.ActiveOpens + PassiveOpens, bytes = the IP octets less headers', async () => {
    // the loopback of one test namespace, TCP headers without options past MSS (plainTcp): only the test talks there
    const kn = netnsPair('sktl');
    try {
      plainTcp(kn.a, kn.b);
      const exec = ['ip', 'netns', 'exec', kn.a];
      const { result, data, traffic, delta, moved } = await countedRun<Data, ClientRun>(catalog, 'tcplife', { netns: kn.inoA }, kn.a, async () => {
        await converse({ serverComm: 'tl-kc-srv', clientComm: 'tl-kc-cli', conns: 3, req: 100_000, resp: 3000, prefix: exec });
        return connectFrom('tl-kc-ref', [{ host: '127.0.0.1', port: 9 }], kn.a);
      });
      const [opens, passive] = [delta('TcpActiveOpens'), delta('TcpPassiveOpens')];
      const payload = tcpPayloadSent(delta);
      console.log(`tcplife ${result.variant}: nstat ActiveOpens +${opens}, PassiveOpens +${passive}, payload from IpExtOutOctets ${payload}; sessions ${data.sessions}, tx ${data.txBytes.sum}, rx ${data.rxBytes.sum}; moved ${JSON.stringify(moved)}`);
      expect(traffic.results[0]!.errno).toBe(111);
      expect([opens, passive]).toEqual([4, 3]);
      expect(data.sessions).toBe(opens + passive); // 3 client ends, 3 server ends, the refused connect
      expect(payload).toBe(3 * (100_000 + 3000));
      expect(data.txBytes.sum).toBe(payload);
      expect(data.rxBytes.sum).toBe(payload); // one namespace: every byte sent is received in it
      expectAgrees(result, 'Tcp.ActiveOpens+Tcp.PassiveOpens', opens + passive, opens + passive);
    } finally {
      kn.destroy();
    }
  });
});
