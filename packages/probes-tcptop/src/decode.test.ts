import { describe, expect, it } from 'vitest';
import { mapDumpOf } from '@sonde/probe-sdk';
import { decodeFlows, deltaFlows, sortRows } from './decode.js';
import { tcptop_key, tcptop_val } from './layout.gen.js';

/** the fields of a struct tcptop_key / tcptop_val; their bytes come from the generated layouts */
interface Entry {
  af: number;
  lport: number;
  rport: number;
  laddr: number[];
  raddr: number[];
  pid: number;
  comm: string;
  sent: bigint;
  received: bigint;
  sends?: bigint;
  recvs?: bigint;
  cgroup?: bigint;
}

function dump(entries: Entry[], sizes: { key?: number; value?: number } = {}) {
  const d = mapDumpOf(
    tcptop_key,
    tcptop_val,
    entries.map(
      (e) =>
        [
          { t: { family: e.af, lport: e.lport, rport: e.rport, laddr: e.laddr, raddr: e.raddr }, pid: e.pid, comm: e.comm, cgroup: e.cgroup ?? 0n },
          { sent: e.sent, received: e.received, sends: e.sends ?? 1n, recvs: e.recvs ?? 1n },
        ] as const,
    ),
  );
  return { ...d, keySize: sizes.key ?? d.keySize, valueSize: sizes.value ?? d.valueSize };
}

const lo = [127, 0, 0, 1];
const v6 = (...tail: number[]) => [...new Array(16 - tail.length).fill(0), ...tail];
const A: Entry = { af: 2, lport: 40000, rport: 8080, laddr: lo, raddr: lo, pid: 100, comm: 'curl', sent: 300n, received: 70_000n, sends: 1n, recvs: 5n, cgroup: 195421n };
const B: Entry = { af: 10, lport: 443, rport: 51000, laddr: v6(1), raddr: v6(1), pid: 200, comm: 'nginx', sent: 9000n, received: 0n, sends: 3n, recvs: 0n };
const C: Entry = { af: 2, lport: 22, rport: 50000, laddr: [10, 0, 0, 1], raddr: [10, 0, 0, 2], pid: 300, comm: 'sshd', sent: 500n, received: 500n };

describe('decodeFlows', () => {
  it.each([
    {
      name: 'IPv4 and IPv6 rows with comm and counters',
      entries: [A, B],
      want: [
        { pid: 100, comm: 'curl', cgroup: '195421', family: 4, laddr: '127.0.0.1', lport: 40000, raddr: '127.0.0.1', rport: 8080, rxBytes: 70000, txBytes: 300, recvs: 5, sends: 1 },
        { pid: 200, comm: 'nginx', cgroup: '0', family: 6, laddr: '::1', lport: 443, raddr: '::1', rport: 51000, rxBytes: 0, txBytes: 9000, recvs: 0, sends: 3 },
      ],
    },
    { name: 'an empty map', entries: [], want: [] },
  ])('$name', ({ entries, want }) => {
    expect([...decodeFlows(dump(entries)).values()]).toEqual(want);
  });

  it('refuses a map whose layout is not the one it knows', () => {
    expect(() => decodeFlows(dump([], { key: 60 }))).toThrow(/key\/value sizes 60\/32, expected 72\/32/);
  });
});

describe('deltaFlows + sortRows', () => {
  it('keeps what each row added in the interval and drops idle ones', () => {
    const t1 = decodeFlows(dump([A, B, C]));
    const t2 = decodeFlows(dump([{ ...A, received: 80_000n, recvs: 6n }, B, { ...C, sent: 700n, sends: 2n }]));
    const d = deltaFlows(t2, t1);
    expect(d.map((r) => [r.comm, r.rxBytes, r.txBytes, r.recvs, r.sends])).toEqual([
      ['curl', 10000, 0, 1, 0],
      ['sshd', 0, 200, 0, 1],
    ]);
  });

  it.each([
    ['all', ['curl', 'nginx', 'sshd']],
    ['sent', ['nginx', 'sshd', 'curl']],
    ['received', ['curl', 'sshd', 'nginx']],
  ] as const)('sorts by %s, largest first', (by, order) => {
    const rows = deltaFlows(decodeFlows(dump([C, B, A])), undefined);
    expect(sortRows(rows, by).map((r) => r.comm)).toEqual(order);
  });
});
