/**
 * Round trips on connections established before a job and closed after it, in a test namespace: the
 * job's window holds only segments received in ESTABLISHED — no handshake, no close — so probes that
 * sample received segments or reads meet the kernel's segment counters one to one.
 */
import type { Catalog } from '@sonde/core-loader';
import { countedRun, type Counted } from './nstat.js';
import { pyPeer } from './pytcp.js';

export interface RoundTrips {
  /** connections (each a client and a server socket, both in the namespace) */
  conns: number;
  /** round trips per connection: `size` bytes each way, one segment each (size < MSS, TCP_NODELAY) */
  rounds: number;
  size: number;
}

/** `probe` with `params` over `rt` round trips on the loopback of namespace `ns`; the python peer's pid with the counts */
export async function countedRoundTrips<D>(catalog: Catalog, probe: string, params: Record<string, unknown>, ns: string, rt: RoundTrips): Promise<Counted<D, void> & { pid: number }> {
  const peer = pyPeer('pingpair', 'rt-pair', '127.0.0.1', 0, [rt.conns, rt.rounds, rt.size], ['ip', 'netns', 'exec', ns]);
  try {
    await peer.port;
    const counted = await countedRun<D, void>(catalog, probe, params, ns, async () => {
      peer.say('go');
      await peer.printed('rounds');
    });
    return { ...counted, pid: peer.pid };
  } finally {
    peer.say('end');
    await peer.done.catch(() => peer.kill());
  }
}
