/**
 * tcpaccept: every TCP connection a process accepts, with the accepting process (pid, comm, uid,
 * cgroup) and the tuple — seen at accept's return in that process, so the pid is always right.
 */
import { acceptExitNeeds, defineProbe, distFile, drainEvents, packageVersion, ringEntries } from '@sonde/probe-sdk';
import { decodeEvent, type TcpacceptEvent } from './decode.js';
import { globalsFor, params } from './params.js';
import { renderTcpaccept } from './render.js';
import { counters } from './counters.js';
import type { Names, Program } from './layout.gen.js';

export type { TcpacceptEvent } from './decode.js';
export { params, globalsFor, type TcpacceptParams } from './params.js';

export interface TcpacceptData {
  /** every accept seen (also past the stored-events cap), per local port, busiest first */
  byLport: Array<{ lport: number; accepts: number }>;
  total: number;
  /** the loader adds the kept events here */
  events?: TcpacceptEvent[];
}

export default defineProbe({
  name: 'tcpaccept',
  version: packageVersion(import.meta.url),
  summary: 'TCP connections accepted, with the accepting process (pid, comm) and the tuple',
  output: 'events',
  shape: {
    fields: {
      byLport: { rows: { lport: 'key', accepts: 'count' }, sum: 'accepts' },
      total: 'count',
      events: { events: { time: 'time', summary: { who: 'comm', flow: ['laddr', 'lport', 'raddr', 'rport'], what: ['syscall', 'fd'] } } },
    },
    aliases: { accepts: 'events' },
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcpaccept.bpf.o'),
    variants: [
      {
        name: 'syscall',
        programs: ['tcpaccept_a4', 'tcpaccept_a'] satisfies Program[],
        needs: [...acceptExitNeeds],
      },
    ],
  },

  async run(ctx, p): Promise<TcpacceptData> {
    const bpf = await ctx.load<Names>({ globals: globalsFor(p), maxEntries: ringEntries(p.bufferKiB) });
    const perPort = new Map<number, number>();
    let total = 0;
    await drainEvents(ctx, bpf, {
      decode: decodeEvent,
      onEvent: (e) => {
        total++;
        perPort.set(e.lport, (perPort.get(e.lport) ?? 0) + 1);
      },
    });
    const byLport = [...perPort].map(([lport, accepts]) => ({ lport, accepts })).sort((a, b) => b.accepts - a.accepts || a.lport - b.lport);
    return { byLport, total };
  },

  render: (data, p) => renderTcpaccept(data, p),
});
