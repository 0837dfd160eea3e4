/**
 * tcplife: one event per TCP session when it closes — owner, tuple, bytes sent and received,
 * lifetime — like bcc's tcplife, from the inet_sock_set_state tracepoint alone. Beyond upstream:
 * the owner of passively opened sessions is the process that accepted them (bcc #834), every common
 * filter runs in the kernel, and the summary (duration and byte histograms) is aggregated there.
 */
import { acceptExitNeeds, defineProbe, distFile, drainEvents, packageVersion, ringEntries } from '@sonde/probe-sdk';
import { decodeEvent, decodeHists, type TcplifeEvent, type TcplifeSummary } from './decode.js';
import { globalsFor, params } from './params.js';
import { renderTcplife } from './render.js';
import { counters } from './counters.js';

export type { TcplifeEvent, TcplifeSummary } from './decode.js';
export { decodeEvent } from './decode.js';
export { params, globalsFor, type TcplifeParams } from './params.js';

export interface TcplifeData extends TcplifeSummary {
  /** (filled in by the loader) the first sessions, in closing order */
  events?: TcplifeEvent[];
}

export default defineProbe({
  name: 'tcplife',
  version: packageVersion(import.meta.url),
  summary: 'TCP sessions as they close: owner, tuple, bytes sent/received, lifetime; duration and byte histograms',
  output: 'events',
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcplife.bpf.o'),
    variants: [
      { name: 'tp_btf', programs: ['tcplife_btf', 'tcplife_acc4', 'tcplife_acc'], needs: [{ kind: 'tp_btf', event: 'inet_sock_set_state' }, ...acceptExitNeeds] },
      {
        name: 'tracepoint',
        programs: ['tcplife_tp', 'tcplife_acc4', 'tcplife_acc'],
        needs: [{ kind: 'tracepoint', category: 'sock', event: 'inet_sock_set_state' }, ...acceptExitNeeds],
      },
      // without tracefs: accepted sessions are attributed to the process that closes them
      { name: 'tp_btf_only', programs: ['tcplife_btf'], needs: [{ kind: 'tp_btf', event: 'inet_sock_set_state' }] },
    ],
  },

  async run(ctx, p): Promise<TcplifeData> {
    const bpf = await ctx.load({ globals: globalsFor(p), maxEntries: ringEntries(p.bufferKiB) });
    await drainEvents(ctx, bpf, { decode: decodeEvent });
    return decodeHists(bpf.readMap('hists'));
  },

  render: (data, p) => renderTcplife(data, p),
});
