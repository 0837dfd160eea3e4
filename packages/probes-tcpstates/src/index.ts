/**
 * tcpstates: every TCP state change as an event — socket, owner process, tuple, old -> new state,
 * ms spent in the old state — like bcc's tcpstates, from the inet_sock_set_state tracepoint.
 * Beyond upstream: owners carried from process context to softirq changes (connect, listen,
 * accept, close), task filters in the kernel, and a summary aggregated in the kernel: dwell-time
 * histograms per state and counts per transition, exact even when the event list is truncated.
 */
import { defineProbe, distFile, drainEvents, packageVersion, ringEntries } from '@sonde/probe-sdk';
import { decodeDwell, decodeEvent, decodeTransitions, type StateDwell, type TcpstatesEvent, type Transition } from './decode.js';
import { globalsFor, params } from './params.js';
import { renderTcpstates } from './render.js';
import { counters } from './counters.js';
import type { Names, Program } from './layout.gen.js';

export type { TcpstatesEvent, Transition, StateDwell } from './decode.js';
export { decodeEvent } from './decode.js';
export { params, globalsFor, type TcpstatesParams } from './params.js';

export interface TcpstatesData {
  /** (filled in by the loader) the first events, in order */
  events?: TcpstatesEvent[];
  /** state changes that passed the filters, by transition, most frequent first */
  transitions: Transition[];
  /** per state left: how long sockets stayed in it (usecs), when the entry into it was seen */
  dwell: StateDwell[];
}

export default defineProbe({
  name: 'tcpstates',
  version: packageVersion(import.meta.url),
  summary: 'TCP state changes with the time spent in each state, owner process and tuple; dwell-time histograms per state',
  output: 'events',
  shape: {
    fields: {
      events: { events: { time: 'time', summary: { who: 'comm', flow: ['laddr', 'lport', 'raddr', 'rport'], what: [['oldstate', 'newstate'], 'ms'] } } },
      transitions: { rows: { from: 'key', to: 'key', count: 'count' }, sum: 'count' },
      dwell: { rows: { state: 'key', hist: { histogram: 'usecs', name: 'dwell' } } },
    },
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcpstates.bpf.o'),
    variants: [
      { name: 'tp_btf', programs: ['tcpstates_btf'] satisfies Program[], needs: [{ kind: 'tp_btf', event: 'inet_sock_set_state' }] },
      {
        name: 'tracepoint',
        programs: ['tcpstates_tp'] satisfies Program[],
        needs: [{ kind: 'tracepoint', category: 'sock', event: 'inet_sock_set_state' }],
      },
    ],
  },

  async run(ctx, p): Promise<TcpstatesData> {
    // sk_owners (attrib.h) is not used here: tcpstates keeps owners in its own per-socket state
    const bpf = await ctx.load<Names>({ globals: globalsFor(p), maxEntries: { ...ringEntries(p.bufferKiB), sk_owners: 1 } });
    // the raw records cross to the thread that keeps the events, which decodes them with this definition's decode
    await drainEvents(ctx, bpf, { decode: decodeEvent, mainThread: true });
    return { transitions: decodeTransitions(bpf.readMap('transitions')), dwell: decodeDwell(bpf.readMap('dwell')) };
  },

  render: (data, p) => renderTcpstates(data, p),
  decode: decodeEvent,
});
