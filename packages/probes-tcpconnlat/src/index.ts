/**
 * tcpconnlat: the latency of every active TCP open — SYN sent to SYN-ACK received (ESTABLISHED) —
 * with the process that made it; refused and failed handshakes are reported too, flagged, with the
 * time they took to fail. Events, plus log2 histograms aggregated in the kernel.
 */
import { defineProbe, distFile, drainEvents, packageVersion, type Histogram, ringEntries } from '@sonde/probe-sdk';
import { decodeEvent, decodeHists, type TcpconnlatEvent } from './decode.js';
import { globalsFor, params } from './params.js';
import { renderTcpconnlat } from './render.js';
import { counters } from './counters.js';

export type { TcpconnlatEvent } from './decode.js';
export { params, globalsFor, type TcpconnlatParams } from './params.js';

export interface TcpconnlatData {
  /** every handshake that reached ESTABLISHED (also below minUs), usecs */
  latency: Histogram;
  /** every handshake that ended in CLOSE (refused, timed out, ...), time to fail, usecs */
  failed: Histogram;
  /** events reported (at or above minUs), by outcome */
  outcomes: Record<string, number>;
  /** the loader adds the kept events here */
  events?: TcpconnlatEvent[];
}

export default defineProbe({
  name: 'tcpconnlat',
  version: packageVersion(import.meta.url),
  summary: 'TCP connect latency per connect (SYN to handshake end) with pid and comm, refused connects flagged, plus histograms',
  output: 'events',
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcpconnlat.bpf.o'),
    variants: [{ name: 'tp_btf', programs: ['tcpconnlat_sk'], needs: [{ kind: 'tp_btf', event: 'inet_sock_set_state' }] }],
  },

  async run(ctx, p): Promise<TcpconnlatData> {
    const bpf = await ctx.load({ globals: globalsFor(p), maxEntries: ringEntries(p.bufferKiB) });
    const outcomes: Record<string, number> = {};
    await drainEvents(ctx, bpf, {
      decode: decodeEvent,
      onEvent: (e) => {
        outcomes[e.outcome] = (outcomes[e.outcome] ?? 0) + 1;
      },
    });
    const { established, failed } = decodeHists(bpf.readMap('hists'));
    return { latency: established, failed, outcomes };
  },

  render: (data, p) => renderTcpconnlat(data, p),
});
