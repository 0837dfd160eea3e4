/**
 * tcptracer: TCP connects (C), accepts (A) and closes (X) with owner, tuple and network namespace,
 * like bcc's tcptracer, from inet_sock_set_state and the accept syscalls (no kprobes). Beyond
 * upstream: X names the process that actually closed the socket (close.h), once per socket, and
 * resets or timeouts still end a connection with an X; every common filter runs in the kernel.
 */
import { acceptExitNeeds, defineProbe, distFile, drainEvents, packageVersion, ringEntries } from '@sonde/probe-sdk';
import { countTypes, decodeEvent, type TcptracerEvent, type TypeCounts } from './decode.js';
import { globalsFor, params } from './params.js';
import { renderTcptracer } from './render.js';
import { counters } from './counters.js';
import type { Names, Program } from './layout.gen.js';

export type { TcptracerEvent, TypeCounts } from './decode.js';
export { decodeEvent } from './decode.js';
export { params, globalsFor, type TcptracerParams } from './params.js';

export interface TcptracerData {
  /** (filled in by the loader) the first events, in order */
  events?: TcptracerEvent[];
  /** events of each type, exact past the kept-events cap */
  counts: TypeCounts;
}

export default defineProbe({
  name: 'tcptracer',
  version: packageVersion(import.meta.url),
  summary: 'TCP connect (C), accept (A) and close (X) events with owner process, tuple and network namespace',
  output: 'events',
  shape: {
    fields: {
      events: { events: { time: 'time', summary: { who: 'comm', flow: ['laddr', 'lport', 'raddr', 'rport'], what: ['type'] } } },
      counts: { category: 'type' },
    },
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcptracer.bpf.o'),
    variants: [
      { name: 'tp_btf', programs: ['tcptracer_btf', 'tcptracer_acc4', 'tcptracer_acc'] satisfies Program[], needs: [{ kind: 'tp_btf', event: 'inet_sock_set_state' }, ...acceptExitNeeds] },
      {
        name: 'tracepoint',
        programs: ['tcptracer_tp', 'tcptracer_acc4', 'tcptracer_acc'] satisfies Program[],
        needs: [{ kind: 'tracepoint', category: 'sock', event: 'inet_sock_set_state' }, ...acceptExitNeeds],
      },
    ],
  },

  async run(ctx, p): Promise<TcptracerData> {
    const bpf = await ctx.load<Names>({ globals: globalsFor(p), maxEntries: ringEntries(p.bufferKiB) });
    const counts: TypeCounts = { connect: 0, accept: 0, close: 0 };
    await drainEvents(ctx, bpf, { decode: decodeEvent, onEvent: (e) => countTypes([e], counts) });
    return { counts };
  },

  render: (data, p) => renderTcptracer(data, p),
});
