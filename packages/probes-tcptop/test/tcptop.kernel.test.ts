/**
 * tcptop against child processes with known pid and comm moving exact byte counts on loopback
 * (IPv4 and IPv6): each process x connection row holds exactly those bytes, intervals add up to
 * the total, and pid / family filters leave nothing else in the tables.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog, runJobInline } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from '../../../test/support/kernel.js';
import { pyPeer } from '../../../test/support/pytcp.js';
import { converse } from '../../../test/support/conns.js';
import { netnsPair } from '../../../test/support/netns.js';
import { countedRun, expectAgrees, plainTcp, tcpPayloadSent } from '../../../test/support/nstat.js';

interface Row {
  pid: number;
  comm: string;
  family: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  rxBytes: number;
  txBytes: number;
}
interface Table {
  at: string;
  rows: Row[];
  flows: number;
  rxBytes: number;
  txBytes: number;
}
interface TopData {
  intervals: Table[];
  total: Table;
}

/** a client sends `up` bytes in 4 KiB writes, the server answers `down` bytes */
async function exchange(host: string, up: number, down: number, tag: string) {
  const srv = pyPeer('server', `tt_srv${tag}`, host, 0, [up, down]);
  const port = await srv.port;
  const cli = pyPeer('client', `tt_cli${tag}`, host, port, [up, down, 4096]);
  const cport = await cli.port;
  expect(await cli.done).toBe(down);
  expect(await srv.done).toBe(up);
  return { srv: srv.pid, cli: cli.pid, port, cport };
}

describeKernel('tcptop on real traffic', () => {
  let catalog: Catalog;

  beforeAll(async () => {
    catalog = await Catalog.discover();
    expect(catalog.get('tcptop')?.available, catalog.get('tcptop')?.reason).toBe(true);
  });
  afterAll(async () => {
    expect(await programsLeft()).toEqual([]);
  });

  /**
   * The job runs at least `minMs` and until the traffic is done, whatever the speed of the machine
   * (a guest under TCG starts processes ~15x slower): it is stopped then, not at a fixed deadline.
   */
  async function run(params: Record<string, unknown>, traffic: () => Promise<unknown>, minMs = 2500) {
    let started!: Promise<unknown>;
    let attachedAt = 0;
    const stop = new AbortController();
    const result = (await runJobInline('tcptop', params, {
      catalog,
      durationMs: 120_000,
      signal: stop.signal,
      onAttached: () => {
        attachedAt = Date.now();
        started = traffic();
        const stopAt = attachedAt + minMs;
        void Promise.allSettled([started]).then(() => setTimeout(() => stop.abort(), Math.max(0, stopAt - Date.now())));
      },
    })) as ResultEnvelope<TopData>;
    const t = await started;
    expect(result.error).toBeUndefined();
    return { result, data: result.data!, t, attachedAt, endedAt: Date.now() };
  }

  /**
   * Interval tables at `intervalMs`: every full interval (all but the last, partial one) spans at
   * least intervalMs, and none is missing: with the longest gap measured in this run, the job's
   * length holds no more tables than were reported (derived from the timestamps, not from speed).
   */
  function checkSeries(intervals: Table[], intervalMs: number, attachedAt: number, endedAt: number) {
    const at = [attachedAt, ...intervals.map((i) => Date.parse(i.at))];
    const gaps = at.slice(1).map((x, i) => x - at[i]!);
    const full = gaps.slice(1, -1); // the first starts at attach (approximately), the last may be partial
    for (const g of full) expect(g).toBeGreaterThanOrEqual(intervalMs - 2);
    const longest = Math.max(...gaps);
    expect(intervals.length).toBeGreaterThanOrEqual(Math.floor((endedAt - attachedAt) / longest) - 1);
  }

  const rowOf = (rows: Row[], pid: number, lport: number) => rows.filter((r) => r.pid === pid && r.lport === lport);

  it('counts exactly the bytes each process sent and received, per connection', async () => {
    const { result, data, t, attachedAt, endedAt } = await run({ rows: 10_000, intervalMs: 300 }, async () => ({
      v4: await exchange('127.0.0.1', 100_000, 250_000, '4'),
      v6: await exchange('::1', 30_000, 7_777, '6'),
    }));
    const { v4, v6 } = t as { v4: Awaited<ReturnType<typeof exchange>>; v6: Awaited<ReturnType<typeof exchange>> };
    // the variant this kernel should get (tp_btf from 6.3, fexit or kprobe before): byte-exact on each
    expect(result.variant).toBe(catalog.get('tcptop')!.variant);
    expect(result.kind).toBe('report');
    const rows = data.total.rows;
    expect(rowOf(rows, v4.cli, v4.cport)).toEqual([
      expect.objectContaining({ comm: 'tt_cli4', family: 4, laddr: '127.0.0.1', raddr: '127.0.0.1', rport: v4.port, txBytes: 100_000, rxBytes: 250_000 }),
    ]);
    expect(rowOf(rows, v4.srv, v4.port)).toEqual([
      expect.objectContaining({ comm: 'tt_srv4', family: 4, rport: v4.cport, txBytes: 250_000, rxBytes: 100_000 }),
    ]);
    expect(rowOf(rows, v6.cli, v6.cport)).toEqual([
      expect.objectContaining({ comm: 'tt_cli6', family: 6, laddr: '::1', raddr: '::1', rport: v6.port, txBytes: 30_000, rxBytes: 7_777 }),
    ]);
    expect(rowOf(rows, v6.srv, v6.port)).toEqual([expect.objectContaining({ comm: 'tt_srv6', txBytes: 7_777, rxBytes: 30_000 })]);

    // intervals are deltas: summed over the series they give the totals, row by row
    // the job ran >= 2500 ms: several 300 ms tables
    expect(data.intervals.length).toBeGreaterThanOrEqual(2);
    checkSeries(data.intervals, 300, attachedAt, endedAt);
    const summed = (pid: number, lport: number) =>
      data.intervals.flatMap((i) => rowOf(i.rows, pid, lport)).reduce((s, r) => [s[0]! + r.txBytes, s[1]! + r.rxBytes], [0, 0]);
    expect(summed(v4.cli, v4.cport)).toEqual([100_000, 250_000]);
    expect(summed(v6.srv, v6.port)).toEqual([7_777, 30_000]);
    // every table is sorted by sent + received
    for (const tb of [...data.intervals, data.total]) {
      const k = tb.rows.map((r) => r.rxBytes + r.txBytes);
      expect(k).toEqual([...k].sort((a, b) => b - a));
    }
  });

  it('keeps only the asked pid, or the asked family', async () => {
    // pid filter: run a server whose pid we know before attaching
    const srv = pyPeer('server', 'tt_srvf', '127.0.0.1', 0, [4321, 1234]);
    const port = await srv.port;
    const onlySrv = await run({ pid: srv.pid, rows: 10_000 }, async () => {
      await pyPeer('client', 'tt_clif', '127.0.0.1', port, [4321, 1234, 1000]).done;
      await srv.done;
    }, 1200);
    expect(onlySrv.data.total.rows).toEqual([expect.objectContaining({ pid: srv.pid, comm: 'tt_srvf', lport: port, rxBytes: 4321, txBytes: 1234 })]);

    const v6only = await run({ family: 6, rows: 10_000 }, async () => {
      await exchange('127.0.0.1', 2000, 2000, 'a');
      return exchange('::1', 3000, 3000, 'b');
    }, 1500);
    expect(v6only.data.total.rows.length).toBeGreaterThanOrEqual(2);
    expect(v6only.data.total.rows.every((r) => r.family === 6)).toBe(true);
  });

  it('stops after count intervals, and noClear keeps totals since the start', async () => {
    // a deadline far past 3 x 200 ms: the job must end on the count, long before it
    let attachedAt = 0;
    let started!: Promise<unknown>;
    const result = (await runJobInline('tcptop', { intervalMs: 200, count: 3, noClear: true, rows: 10_000 }, {
      catalog,
      durationMs: 60_000,
      onAttached: () => {
        attachedAt = Date.now();
        started = exchange('127.0.0.1', 1000, 1000, 'c');
      },
    })) as ResultEnvelope<TopData>;
    const endedAt = Date.now();
    await started;
    expect(result.error).toBeUndefined();
    const data = result.data!;
    expect(endedAt - attachedAt).toBeLessThan(60_000);
    expect(data.intervals).toHaveLength(3);
    // cumulative: bytes never go down from one table to the next
    const tx = data.intervals.map((i) => i.txBytes);
    expect(tx).toEqual([...tx].sort((a, b) => a - b));
  });

  it('checked against the kernel: bytes sent = bytes received = the IP octets less headers', async () => {
    // the loopback of one test namespace, TCP headers without options past MSS (plainTcp): only the test talks there
    const kn = netnsPair('sktp');
    try {
      plainTcp(kn.a, kn.b);
      const prefix = ['ip', 'netns', 'exec', kn.a];
      const { result, data, delta } = await countedRun<TopData, unknown>(catalog, 'tcptop', { netns: kn.inoA }, kn.a, () =>
        converse({ serverComm: 'tt-kc-srv', clientComm: 'tt-kc-cli', conns: 3, req: 100_000, resp: 3000, prefix }),
      );
      const payload = tcpPayloadSent(delta);
      const [outOctets, inOctets] = [delta('IpExtOutOctets'), delta('IpExtInOctets')];
      console.log(`tcptop ${result.variant}: IpExtOutOctets +${outOctets} (payload ${payload}), IpExtInOctets +${inOctets}; tx ${data.total.txBytes}, rx ${data.total.rxBytes}`);
      expect(payload).toBe(3 * (100_000 + 3000));
      expect(data.total.txBytes).toBe(payload);
      expect(data.total.rxBytes).toBe(payload); // one namespace: what is sent is received and read in it
      expect(inOctets).toBe(outOctets);
      // the cross-check: octets (IPv4 and IPv6, headers included) ≥ bytes
      const v6 = (n: string) => delta(n.replace('IpExt', 'Ip6'));
      expectAgrees(result, 'IpExt.OutOctets+Ip6.OutOctets', payload, outOctets + v6('IpExtOutOctets'));
      expectAgrees(result, 'IpExt.InOctets+Ip6.InOctets', payload, inOctets + v6('IpExtInOctets'));
    } finally {
      kn.destroy();
    }
  });
});
