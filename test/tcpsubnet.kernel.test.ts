/**
 * tcpsubnet against known sends from one network namespace: a client there sends X bytes to the
 * peer namespace (10.231.n.2) and Y bytes over loopback to a server that answers Z bytes; the peer's
 * answers come from the other namespace. With the netns filter, the default list counts exactly
 * X in 10.0.0.0/8 and Y + Z in 127.0.0.1/32, nothing else; the order of a custom list decides.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog, runJobInline } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from './support/kernel.js';
import { netnsPair, type NetnsPair } from './support/netns.js';
import { pyPeer } from './support/pytcp.js';

interface Row {
  subnet: string | null;
  bytes: number;
  sends: number;
  value: number;
}
interface Data {
  subnets: string[];
  unit: string;
  intervals: Array<{ at: string; rows: Row[] }>;
  total: { rows: Row[] };
}

const X = 300_000; // A -> B over the veth
const Y = 12_345; // A's loopback client -> A's loopback server
const Z = 54_321; // A's loopback server -> its client
const PEER_REPLY = 99_999; // B -> A: another namespace, never counted

describeKernel('tcpsubnet on real traffic', () => {
  let catalog: Catalog;
  let ns: NetnsPair;

  beforeAll(async () => {
    catalog = await Catalog.discover();
    ns = netnsPair('tsn');
  });
  afterAll(async () => {
    ns?.destroy();
    expect(await programsLeft()).toEqual([]);
  });

  async function traffic() {
    const inA = ['ip', 'netns', 'exec', ns.a];
    const inB = ['ip', 'netns', 'exec', ns.b];
    const far = pyPeer('server', 'tsn_far', ns.ipB, 0, [X, PEER_REPLY], inB);
    const farPort = await far.port;
    const near = pyPeer('server', 'tsn_near', '127.0.0.1', 0, [Y, Z], inA);
    const nearPort = await near.port;
    await Promise.all([
      pyPeer('client', 'tsn_cli1', ns.ipB, farPort, [X, PEER_REPLY, 8192], inA).done,
      pyPeer('client', 'tsn_cli2', '127.0.0.1', nearPort, [Y, Z, 1000], inA).done,
    ]);
    await Promise.all([far.done, near.done]);
  }

  async function run(params: Record<string, unknown>, durationMs = 2000) {
    let started!: Promise<unknown>;
    const result = (await runJobInline('tcpsubnet', { netns: ns.inoA, ...params }, {
      catalog,
      durationMs,
      onAttached: () => {
        started = traffic();
      },
    })) as ResultEnvelope<Data>;
    await started;
    expect(result.error).toBeUndefined();
    return result.data!;
  }

  const bytesOf = (rows: Row[]) => Object.fromEntries(rows.map((r) => [r.subnet ?? 'none', r.bytes]));

  it('counts exactly the bytes sent to each subnet of the default list', async () => {
    const data = await run({ intervalMs: 300 });
    expect(data.subnets).toEqual(['127.0.0.1/32', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '0.0.0.0/0']);
    expect(bytesOf(data.total.rows)).toEqual({ '10.0.0.0/8': X, '127.0.0.1/32': Y + Z });
    // the intervals add up to the total
    const sum: Record<string, number> = {};
    for (const i of data.intervals) for (const r of i.rows) sum[r.subnet ?? 'none'] = (sum[r.subnet ?? 'none'] ?? 0) + r.bytes;
    expect(sum).toEqual({ '10.0.0.0/8': X, '127.0.0.1/32': Y + Z });
    expect(data.intervals.length).toBeGreaterThanOrEqual(4);
  });

  it('takes the first matching subnet of a custom list, and reports units', async () => {
    const catchAll = await run({ subnets: '0.0.0.0/0,10.0.0.0/8', units: 'K', intervalMs: 5000 }, 1500);
    expect(bytesOf(catchAll.total.rows)).toEqual({ '0.0.0.0/0': X + Y + Z });
    expect(catchAll.unit).toBe('KBytes');
    expect(catchAll.total.rows[0]!.value).toBeCloseTo((X + Y + Z) / 1024, 2);

    const narrow = await run({ subnets: `${ns.ipB.replace(/\.\d+$/, '.0')}/24,10.0.0.0/8`, intervalMs: 5000 }, 1500);
    // the loopback sends match neither: counted as "no match"
    expect(bytesOf(narrow.total.rows)).toEqual({ [`${ns.ipB.replace(/\.\d+$/, '.0')}/24`]: X, none: Y + Z });
  });
});
