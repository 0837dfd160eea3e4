import { describe, expect, it } from 'vitest';
import { mapDumpOf } from '@sonde/probe-sdk';
import { addSynOverflows, byMaxBacklog, decodeBacklogs, deltaListeners, MAX_SLOTS, toListeners } from './decode.js';
import { synbl_key, synbl_val } from './layout.gen.js';
import { renderTcpsynbl } from './render.js';

interface E { max: number; lport: number; cgroup?: bigint; slots: Record<number, number>; sum: number; seen: number; overflows: number }

/** the backlogs map's bytes, from the generated layouts of struct synbl_key / synbl_val */
function dump(es: E[]) {
  return mapDumpOf(
    synbl_key,
    synbl_val,
    es.map((e) => {
      const slots = new Array<number>(MAX_SLOTS).fill(0);
      for (const [s, c] of Object.entries(e.slots)) slots[Number(s)] = c;
      const count = slots.reduce((a, b) => a + b, 0);
      return [{ max_backlog: e.max, lport: e.lport, cgroup: e.cgroup ?? 0n }, { slots, count, sum: e.sum, max: e.seen, overflows: e.overflows }] as const;
    }),
  );
}

// backlog 4 on port 7100: lengths 0,1,2,3,4 -> slots 0:2 (0,1) 1:2 (2,3) 2:1 (4)
const a: E = { max: 4, lport: 7100, slots: { 0: 2, 1: 2, 2: 1 }, sum: 10, seen: 4, overflows: 16 };
const b: E = { max: 4096, lport: 80, slots: { 0: 900, 3: 4 }, sum: 40, seen: 12, overflows: 0 };
const c: E = { max: 4, lport: 7101, slots: { 0: 1 }, sum: 0, seen: 0, overflows: 0 };

describe('tcpsynbl decode', () => {
  it('per listener, ordered by limit then port', () => {
    const ls = toListeners(decodeBacklogs(dump([b, a])));
    expect(ls.map((l) => [l.maxBacklog, l.lport, l.hist.count, l.hist.sum, l.max, l.overflows])).toEqual([
      [4, 7100, 5, 10, 4, 16],
      [4096, 80, 904, 40, 12, 0],
    ]);
    expect(ls[0]!.hist.buckets).toEqual([{ lo: 0, hi: 1, count: 2 }, { lo: 2, hi: 3, count: 2 }, { lo: 4, hi: 7, count: 1 }]);
    expect(ls[0]!.hist.unit).toBe('backlog');
  });

  it('one row per listener owner: the same port in two cgroups (two pods) stays two rows, each with its cgroup', () => {
    const ls = toListeners(decodeBacklogs(dump([{ ...a, cgroup: 9001n }, { ...a, cgroup: 9002n, overflows: 1 }])));
    expect(ls.map((l) => [l.lport, l.cgroup, l.overflows])).toEqual([
      [7100, '9001', 16],
      [7100, '9002', 1],
    ]);
    expect(byMaxBacklog(ls).map((g) => [g.maxBacklog, g.hist.count, g.overflows])).toEqual([[4, 10, 17]]);
  });

  it('groups by limit like upstream', () => {
    const g = byMaxBacklog(toListeners(decodeBacklogs(dump([a, b, c]))));
    expect(g.map((x) => [x.maxBacklog, x.hist.count, x.max, x.overflows])).toEqual([
      [4, 6, 4, 16],
      [4096, 904, 12, 0],
    ]);
  });

  it('deltas: what an interval added; max only when it grew', () => {
    const before = decodeBacklogs(dump([{ ...a, slots: { 0: 2 }, sum: 1, seen: 1, overflows: 3 }]));
    const now = decodeBacklogs(dump([a, c]));
    const d = deltaListeners(now, before);
    expect(d.map((l) => [l.lport, l.hist.count, l.hist.sum, l.max, l.overflows])).toEqual([
      [7100, 3, 9, 4, 13],
      [7101, 1, 0, 0, 0],
    ]);
    expect(deltaListeners(now, now)).toEqual([]);
  });

  it('refuses a layout it does not know', () => {
    expect(() => decodeBacklogs({ ...dump([]), valueSize: 280 })).toThrow(/expected 16\/288/);
  });
});

describe('renderTcpsynbl', () => {
  it('prints backlog_max blocks with the histogram, then the listeners', () => {
    const ls = toListeners(decodeBacklogs(dump([a])));
    const out = renderTcpsynbl({ byMaxBacklog: byMaxBacklog(ls), listeners: ls, overflows: 16, listenDrops: 16, overflowReason: null, overflowsCountedBy: 'fentry', listenSockets: [] });
    expect(out).toBe(
      [
        'backlog_max = 4',
        '     backlog             : count    distribution',
        '         0 -> 1          : 2        |****************************************|',
        '         2 -> 3          : 2        |****************************************|',
        '         4 -> 7          : 1        |********************                    |',
        '     max backlog seen 4, overflows 16',
        '',
        'LPORT BACKLOG_MAX ADDED MAX_SEEN OVERFLOWS',
        ' 7100           4     5        4        16',
        '',
      ].join('\n'),
    );
  });
  it('says how overflows were counted when that misses some, or when they were not counted', () => {
    const ls = toListeners(decodeBacklogs(dump([a])));
    const base = { byMaxBacklog: byMaxBacklog(ls), listeners: ls, overflows: 16, listenDrops: 16, listenSockets: [] };
    expect(renderTcpsynbl({ ...base, overflowReason: 'TCP_LISTEN_OVERFLOW', overflowsCountedBy: 'listener_drops' })).toMatch(
      /\(overflows: completed handshakes by drop reason TCP_LISTEN_OVERFLOW, SYNs refused by a full queue from each listener's drop counter\)\n$/,
    );
    expect(renderTcpsynbl({ ...base, overflowReason: null, overflowsCountedBy: null })).toMatch(/\(overflows not counted on this kernel: .*\)\n$/);
    expect(renderTcpsynbl({ ...base, overflowReason: null, overflowsCountedBy: 'kprobe' })).toMatch(/ 7100 +4 +5 +4 +16\n$/);
  });
  it('names the listening sockets that overflowed', () => {
    const ls = toListeners(decodeBacklogs(dump([a])));
    const sock = { family: 4 as const, laddr: '127.0.0.1', lport: 7100, netns: 4026531833, pid: 4242, comm: 'python3', uid: 0, maxBacklog: 4, backlog: 5, backlogPeak: 5, listenDrops: 16, overflows: 16, synOverflows: 12, ackOverflows: 4, opened: false, closed: true, cgroup: '0' };
    const out = renderTcpsynbl({ byMaxBacklog: byMaxBacklog(ls), listeners: ls, overflows: 16, listenDrops: 16, overflowReason: null, overflowsCountedBy: 'fentry', listenSockets: [sock] });
    expect(out.split('\n').slice(-3)).toEqual([
      'LISTENER                     NETNS  PID COMM    QUEUE_PEAK LIMIT LISTEN_DROPS OVERFLOWS SYN ACK',
      '127.0.0.1:7100 (closed) 4026531833 4242 python3          5     4           16        16  12   4',
      '',
    ]);
  });
  it('adds the SYN overflows counted per listening socket to its (limit, port) row', () => {
    const raw = decodeBacklogs(dump([a]));
    const sock = (lport: number, synOverflows: number) => ({ family: 4 as const, laddr: '0.0.0.0', lport, netns: 1, pid: null, comm: null, uid: 0, maxBacklog: 4, backlog: 0, backlogPeak: 5, listenDrops: synOverflows, overflows: synOverflows, synOverflows, ackOverflows: 0, opened: false, closed: false, cgroup: '0' });
    const out = toListeners(addSynOverflows(raw, [sock(7100, 3), sock(7200, 2), sock(7300, 0)]));
    expect(out.map((l) => [l.lport, l.hist.count, l.overflows])).toEqual([[7100, 5, 19], [7200, 0, 2]]);
    // the map's rows are not changed
    expect(raw[0]!.overflows).toBe(16);
  });
  it('says so when nothing was added', () => {
    expect(renderTcpsynbl({ byMaxBacklog: [], listeners: [], overflows: 0, listenDrops: null, overflowReason: null, overflowsCountedBy: null, listenSockets: [] })).toBe('no connections joined a matching accept queue\n');
  });
});
