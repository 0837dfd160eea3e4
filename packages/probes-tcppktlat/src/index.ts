import { defineProbe, distFile, drainEvents, packageVersion, type Histogram, ringEntries } from '@sonde/probe-sdk';
import { decodeEvent, decodeHist, type PktlatEvent } from './decode.js';
import { globalsFor, params } from './params.js';
import { renderTcppktlat } from './render.js';
import { counters } from './counters.js';
import type { Names, Program } from './layout.gen.js';

export type { PktlatEvent } from './decode.js';
export { params, globalsFor, type TcppktlatParams } from './params.js';

export interface TcppktlatData {
  minUs: number;
  /** reads whose data waited >= minUs, in order, the first maxEvents of them */
  events: PktlatEvent[];
  /** all such reads, also those past the cap */
  eventsSeen: number;
  /** every read that passed the filters (also those under minUs), µs */
  histogram: Histogram;
}

export default defineProbe({
  name: 'tcppktlat',
  version: packageVersion(import.meta.url),
  summary: 'How long received TCP data waits before the process reads it: slow reads listed, all in a histogram',
  output: 'report',
  shape: {
    fields: {
      minUs: 'setting',
      events: { events: { time: 'time', summary: { who: 'comm', flow: ['laddr', 'lport', 'raddr', 'rport'], what: ['latencyUs'] } } },
      eventsSeen: 'count',
      histogram: { histogram: 'usecs', name: 'latency' },
    },
    histogram: { total: 'histogram' },
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcppktlat.bpf.o'),
    variants: [
      {
        name: 'tp_btf',
        programs: ['tcppktlat_rcv', 'tcppktlat_read', 'tcppktlat_destroy'] satisfies Program[],
        needs: [
          { kind: 'tp_btf', event: 'tcp_probe' },
          { kind: 'tp_btf', event: 'tcp_rcv_space_adjust' },
          { kind: 'tp_btf', event: 'tcp_destroy_sock' },
        ],
      },
    ],
  },

  async run(ctx, p): Promise<TcppktlatData> {
    const bpf = await ctx.load<Names>({ globals: globalsFor(p), maxEntries: ringEntries(p.bufferKiB) });
    const events: PktlatEvent[] = [];
    let seen = 0;
    await drainEvents(ctx, bpf, {
      decode: decodeEvent,
      onEvent: (e) => {
        seen++;
        if (events.length < p.maxEvents) events.push(e);
      },
    });
    if (seen > events.length) ctx.warn(`kept the first ${events.length} of ${seen} events (maxEvents)`);
    return { minUs: p.minUs, events, eventsSeen: seen, histogram: decodeHist(bpf.readMap('hist')) };
  },

  render: (data, p) => renderTcppktlat(data, p),
});
