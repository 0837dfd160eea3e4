/**
 * tcppktlat against a reader that, for each message, waits until it is readable, sleeps a known
 * 50 ms, then reads it: every read of that server shows at least 50 ms, with its pid, comm and
 * ports; the client's reads of the answers (it is blocked in recv) show little; port filters and
 * minUs keep the rest out, while the histogram still counts every read.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog } from '@sonde/core-loader';
import type { Histogram } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from '../../../test/support/kernel.js';
import { runWhile } from '../../../test/support/job-while.js';
import { pyPeer } from '../../../test/support/pytcp.js';
import { netnsPair } from '../../../test/support/netns.js';
import { expectAgrees } from '../../../test/support/nstat.js';
import { countedRoundTrips } from '../../../test/support/round-trips.js';

interface Ev {
  pid: number;
  tid: number;
  comm: string;
  family: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  latencyUs: number;
}
interface Data {
  events: Ev[];
  eventsSeen: number;
  histogram: Histogram;
}

const N = 5;
const DELAY_MS = 50;

describeKernel('tcppktlat on real traffic', () => {
  let catalog: Catalog;

  beforeAll(async () => {
    catalog = await Catalog.discover();
    expect(catalog.get('tcppktlat')?.available, catalog.get('tcppktlat')?.reason).toBe(true);
  });
  afterAll(async () => {
    expect(await programsLeft()).toEqual([]);
  });

  /** start the slow reader first (its port goes into the filter), the pinger once attached */
  async function run(host: string, params: (port: number) => Record<string, unknown>, n = N) {
    const srv = pyPeer('slowreader', 'tpl_slow', host, 0, [n, 1000, DELAY_MS]);
    const port = await srv.port;
    let cli!: ReturnType<typeof pyPeer>;
    // the job lasts until both peers are done (runWhile): a slow kernel sees every read
    const { result, traffic } = await runWhile<Data, [number, number]>(
      'tcppktlat',
      params(port),
      () => {
        cli = pyPeer('pinger', 'tpl_ping', host, port, [n, 1000]);
        return Promise.all([cli.done, srv.done]);
      },
      { catalog },
    );
    expect(traffic).toEqual([n, n]);
    expect(result.error).toBeUndefined();
    // per message: from just before the pinger sent it to just after the reader had it — the kernel's
    // arrival-to-read time lies inside that window, however slow the machine
    const sent = cli.stamps('s'), read = srv.stamps('r');
    const windowUs = read.map((r, i) => (r - sent[i]!) / 1000);
    return { data: result.data!, port, srv: srv.pid, cli: cli.pid, cport: await cli.port, result, windowUs };
  }

  it('shows every read of the sleeping reader at >= its sleep, with pid, comm and ports', async () => {
    const { data, port, srv, cport, result, windowUs } = await run('127.0.0.1', (port) => ({ lport: port }));
    expect(result.variant).toBe(catalog.get('tcppktlat')!.variant);
    expect(data.events).toHaveLength(N);
    expect(windowUs).toHaveLength(N);
    data.events.forEach((e, i) => {
      expect(e).toMatchObject({ pid: srv, tid: srv, comm: 'tpl_slow', family: 4, laddr: '127.0.0.1', lport: port, raddr: '127.0.0.1', rport: cport });
      expect(e.latencyUs).toBeGreaterThanOrEqual(DELAY_MS * 1000);
      expect(e.latencyUs).toBeLessThanOrEqual(windowUs[i]!);
    });
    expect(data.histogram.count).toBe(N);
    expect(data.histogram.min!).toBeGreaterThanOrEqual(DELAY_MS * 1000);
  });

  it('keeps fast reads (0 µs included) and filters by remote port; minUs leaves them in the histogram only', async () => {
    const fast = await run('127.0.0.1', (port) => ({ rport: port }));
    // the pinger reads the 1-byte answers while blocked in recv: fast, its own pid
    expect(fast.data.events).toHaveLength(N);
    for (const e of fast.data.events) {
      expect(e).toMatchObject({ pid: fast.cli, comm: 'tpl_ping', lport: fast.cport, rport: fast.port });
      expect(e.latencyUs).toBeLessThan(DELAY_MS * 1000);
    }
    const slowOnly = await run('127.0.0.1', (port) => ({ rport: port, minUs: 20_000 }));
    expect(slowOnly.data.events).toEqual([]);
    expect(slowOnly.data.histogram.count).toBe(N);
  });

  it('reports IPv6 connections', async () => {
    const { data, port, srv } = await run('::1', (port) => ({ lport: port, family: 6 }), 2);
    expect(data.events).toHaveLength(2);
    for (const e of data.events) {
      expect(e).toMatchObject({ pid: srv, family: 6, laddr: '::1', raddr: '::1', lport: port });
      expect(e.latencyUs).toBeGreaterThanOrEqual(DELAY_MS * 1000);
    }
  });

  it('checked against the kernel: reads = data segments (TcpExt.TCPOrigDataSent, one namespace) ≤ Tcp.InSegs over established round trips', async () => {
    const kn = netnsPair('skpl');
    try {
      const { result, data, delta, moved } = await countedRoundTrips<Data>(catalog, 'tcppktlat', { netns: kn.inoA }, kn.a, { conns: 3, rounds: 40, size: 100 });
      const [inSegs, dataSegs] = [delta('TcpInSegs'), delta('TcpExtTCPOrigDataSent')];
      console.log(`tcppktlat ${result.variant}: TcpInSegs +${inSegs}, TcpExtTCPOrigDataSent +${dataSegs}; reads ${data.histogram.count}; moved ${JSON.stringify(moved)}`);
      // every message is one segment read by one read; the namespace receives every data segment it sends
      expect(dataSegs).toBe(2 * 3 * 40);
      expect(data.histogram.count).toBe(dataSegs);
      expect(inSegs).toBeGreaterThanOrEqual(dataSegs); // and the pure ACKs
      expectAgrees(result, 'Tcp.InSegs', dataSegs, inSegs);
    } finally {
      kn.destroy();
    }
  });
});
