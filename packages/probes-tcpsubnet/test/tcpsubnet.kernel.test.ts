/**
 * tcpsubnet against known sends from one network namespace: a client there sends X bytes to the
 * peer namespace (10.231.n.2) and Y bytes over loopback to a server that answers Z bytes; the peer's
 * answers come from the other namespace. With the netns filter, the default list counts exactly
 * X in 10.0.0.0/8 and Y + Z in 127.0.0.1/32, nothing else; the order of a custom list decides.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog, runJobInline } from '@sonde/core-loader';
import type { ResultEnvelope } from '@sonde/probe-sdk';
import { describeKernel, programsLeft } from '../../../test/support/kernel.js';
import { netnsPair, type NetnsPair } from '../../../test/support/netns.js';
import { pyPeer } from '../../../test/support/pytcp.js';
import { converse } from '../../../test/support/conns.js';
import { countedRun, expectAgrees, plainTcp, tcpPayloadSent } from '../../../test/support/nstat.js';

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
    // each client starts as soon as its server listens (the servers wait 10 s for it: under TCG
    // starting a process in a namespace takes seconds)
    const pair = async (srvComm: string, host: string, sizes: [number, number], cliComm: string, chunk: number, srvNs: string[]) => {
      const srv = pyPeer('server', srvComm, host, 0, sizes, srvNs);
      const port = await srv.port;
      await pyPeer('client', cliComm, host, port, [...sizes, chunk], inA).done;
      await srv.done;
    };
    await Promise.all([pair('tsn_far', ns.ipB, [X, PEER_REPLY], 'tsn_cli1', 8192, inB), pair('tsn_near', '127.0.0.1', [Y, Z], 'tsn_cli2', 1000, inA)]);
  }

  /**
   * The job runs at least `minMs` and until the traffic is done, whatever the speed of the machine
   * (a guest under TCG starts processes ~15x slower): it is stopped then, not at a fixed deadline.
   */
  async function run(params: Record<string, unknown>, minMs = 2000) {
    let started!: Promise<unknown>;
    let attachedAt = 0;
    const stop = new AbortController();
    const result = (await runJobInline('tcpsubnet', { netns: ns.inoA, ...params }, {
      catalog,
      durationMs: 120_000,
      signal: stop.signal,
      onAttached: () => {
        attachedAt = Date.now();
        started = traffic();
        const stopAt = attachedAt + minMs;
        void Promise.allSettled([started]).then(() => setTimeout(() => stop.abort(), Math.max(0, stopAt - Date.now())));
      },
    })) as ResultEnvelope<Data>;
    await started;
    expect(result.error).toBeUndefined();
    return Object.assign(result.data!, { variant: result.variant, attachedAt, endedAt: Date.now() });
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
    // the job ran >= 2000 ms: several 300 ms tables, each full one >= 300 ms, none missing (derived
    // from the timestamps: the longest gap measured in this run bounds how many fit in the job)
    expect(data.intervals.length).toBeGreaterThanOrEqual(2);
    const at = [data.attachedAt, ...data.intervals.map((i) => Date.parse(i.at))];
    const gaps = at.slice(1).map((x, i) => x - at[i]!);
    for (const g of gaps.slice(1, -1)) expect(g).toBeGreaterThanOrEqual(298);
    expect(data.intervals.length).toBeGreaterThanOrEqual(Math.floor((data.endedAt - data.attachedAt) / Math.max(...gaps)) - 1);
    // the variant this kernel should get (tp_btf from 6.3, fexit or kprobe before): exact on each
    expect(data.variant).toBe(catalog.get('tcpsubnet')!.variant);
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

  it('checked against the kernel: bytes sent = the sending namespace\'s IP octets less headers', async () => {
    // a client in a fresh namespace pair sends to the other one; TCP headers without options past MSS there
    const kn = netnsPair('sksn');
    try {
      plainTcp(kn.a, kn.b);
      const exec = (n: string) => ['ip', 'netns', 'exec', n];
      const { result, data, delta } = await countedRun<Data, unknown>(catalog, 'tcpsubnet', { netns: kn.inoA }, kn.a, () =>
        converse({ serverComm: 'sn-kc-srv', clientComm: 'sn-kc-cli', conns: 3, req: 100_000, resp: 3000, serverHost: kn.ipB, host: kn.ipB, serverPrefix: exec(kn.b), clientPrefix: exec(kn.a) }),
      );
      const payload = tcpPayloadSent(delta);
      const sent = data.total.rows.reduce((n, r) => n + r.bytes, 0);
      console.log(`tcpsubnet ${result.variant}: IpExtOutOctets +${delta('IpExtOutOctets')} (payload ${payload}); rows ${JSON.stringify(data.total.rows)}`);
      expect(payload).toBe(3 * 100_000); // a's own sends; the answers leave b
      expect(bytesOf(data.total.rows)).toEqual({ '10.0.0.0/8': payload });
      expectAgrees(result, 'IpExt.OutOctets+Ip6.OutOctets', sent, delta('IpExtOutOctets') + delta('Ip6OutOctets'));
    } finally {
      kn.destroy();
    }
  });
});
