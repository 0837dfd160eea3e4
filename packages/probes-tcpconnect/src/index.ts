/**
 * tcpconnect: every active TCP open (connect) with the process that made it, the full tuple and how
 * it ended — established, refused, timed out, unreachable — or, in count mode, connects per
 * (laddr, raddr, rport) counted in the kernel. Upstream reports only that a SYN left. Where fexit
 * exists, connects that fail before any SYN (no route, no address) are reported too (via 'before-syn').
 */
import { CONNECT_FAILURES, defineProbe, distFile, drainEvents, packageVersion, type ConnectOutcome, ringEntries } from '@sonde/probe-sdk';
import { decodeCounts, decodeEvent, MAX_COUNTS, type ConnectCount, type TcpconnectEvent } from './decode.js';
import { globalsFor, params } from './params.js';
import { renderTcpconnect } from './render.js';
import { counters } from './counters.js';
import type { Names, Program } from './layout.gen.js';

export type { TcpconnectEvent, ConnectCount } from './decode.js';
export { params, globalsFor, type TcpconnectParams } from './params.js';

export interface TcpconnectData {
  mode: 'events' | 'count';
  /** every connect seen (also past the stored-events cap); failed = did not reach ESTABLISHED */
  totals: { connects: number; failed: number };
  /** events mode: connects by outcome */
  outcomes: Partial<Record<ConnectOutcome, number>>;
  /** count mode: per (laddr, raddr, rport), busiest first */
  counts?: ConnectCount[];
  /** the loader adds the kept events here (events mode) */
  events?: TcpconnectEvent[];
}

export default defineProbe({
  name: 'tcpconnect',
  version: packageVersion(import.meta.url),
  summary: 'Active TCP connects with pid, comm, tuple and outcome (established/refused/timeout), or counts per destination',
  output: 'events',
  shape: {
    fields: {
      mode: 'setting',
      totals: { fields: { connects: 'count', failed: 'count' } },
      outcomes: { category: 'outcome' },
      counts: { rows: { family: 'key', laddr: 'key', raddr: 'key', rport: 'key', connects: 'count', failed: 'count' }, sum: 'connects' },
      events: { events: { time: 'time', summary: { who: 'comm', flow: ['laddr', 'lport', 'raddr', 'rport'], what: ['outcome', 'error', 'latUs'] }, warn: { field: 'outcome', values: CONNECT_FAILURES } } },
    },
    aliases: { connects: 'events', connections: 'events' },
  },
  params,
  counters,
  bpf: {
    object: distFile(import.meta.url, 'tcpconnect.bpf.o'),
    variants: [
      // where trampolines exist: also the connects that fail inside tcp_v4_connect/tcp_v6_connect before any SYN
      {
        name: 'tp_btf+syscall+fexit',
        programs: ['tcpconnect_skp', 'tcpconnect_exit', 'tcpconnect_v4out', 'tcpconnect_v6out'] satisfies Program[],
        needs: [
          { kind: 'tp_btf', event: 'inet_sock_set_state' },
          { kind: 'tracepoint', category: 'syscalls', event: 'sys_exit_connect' },
          { kind: 'fentry', function: 'tcp_v4_connect' },
          { kind: 'fentry', function: 'tcp_v6_connect' },
        ],
      },
      {
        name: 'tp_btf+syscall+fexit4',
        programs: ['tcpconnect_skp', 'tcpconnect_exit', 'tcpconnect_v4out'] satisfies Program[],
        needs: [
          { kind: 'tp_btf', event: 'inet_sock_set_state' },
          { kind: 'tracepoint', category: 'syscalls', event: 'sys_exit_connect' },
          { kind: 'fentry', function: 'tcp_v4_connect' },
        ],
      },
      {
        name: 'tp_btf+syscall',
        programs: ['tcpconnect_sk', 'tcpconnect_exit'] satisfies Program[],
        needs: [
          { kind: 'tp_btf', event: 'inet_sock_set_state' },
          { kind: 'tracepoint', category: 'syscalls', event: 'sys_exit_connect' },
        ],
      },
    ],
  },

  async run(ctx, p): Promise<TcpconnectData> {
    const bpf = await ctx.load<Names>({ globals: globalsFor(p), maxEntries: ringEntries(p.bufferKiB) });
    const outcomes: TcpconnectData['outcomes'] = {};
    if (p.count) {
      await ctx.wait();
      // still attached until run() returns: this read has everything
      const counts = decodeCounts(bpf.readMap('counts'));
      if (counts.length >= MAX_COUNTS) ctx.warn(`counts map full (${MAX_COUNTS} keys): connects to further destinations were not counted`);
      const totals = { connects: 0, failed: 0 };
      for (const c of counts) {
        totals.connects += c.connects;
        totals.failed += c.failed;
      }
      return { mode: 'count', totals, outcomes, counts };
    }
    const totals = { connects: 0, failed: 0 };
    await drainEvents(ctx, bpf, {
      decode: decodeEvent,
      onEvent: (e) => {
        totals.connects++;
        if (e.outcome !== 'established') totals.failed++;
        outcomes[e.outcome] = (outcomes[e.outcome] ?? 0) + 1;
      },
    });
    return { mode: 'events', totals, outcomes };
  },

  render: (data, p) => renderTcpconnect(data, p),
});
