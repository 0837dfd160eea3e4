import { describe, expect, it } from 'vitest';
import { decodeOwners, decodeRemotes, decodeSummary, REMOTE_KEY_SIZE, stateCounts, SUMMARY_SIZE } from './decode.js';
import { renderTcpports, ssStateName } from './render.js';
import type { TcpportsData } from './index.js';

function summary(): Buffer {
  const b = Buffer.alloc(SUMMARY_SIZE, 0);
  expect(SUMMARY_SIZE).toBe(192);
  const u64 = (i: number, v: number) => b.writeBigUInt64LE(BigInt(v), 8 * i);
  u64(0, 7); // gen
  u64(1, 60047);
  u64(2 + 1, 60000); // ESTABLISHED
  u64(2 + 6, 40); // TIME_WAIT
  u64(2 + 10, 7); // LISTEN
  u64(18, 30020); // eph sockets
  u64(19, 28000); // ports used
  u64(20, 2); // max per port
  u64(21, 0);
  b.writeUInt32LE(32768, 8 * 22);
  b.writeUInt32LE(60999, 8 * 22 + 4);
  u64(23, 5); // owners missed
  return b;
}

describe('tcpports decode', () => {
  it('decodes the pass summary', () => {
    const s = decodeSummary(summary());
    expect(s).toMatchObject({ gen: 7, sockets: 60047, ephSockets: 30020, ephPortsUsed: 28000, ephPortMax: 2, remotesMissed: 0, portLo: 32768, portHi: 60999, ownersMissed: 5 });
    expect(stateCounts(s.states)).toEqual({ ESTABLISHED: 60000, TIME_WAIT: 40, LISTEN: 7 });
  });
  it('refuses anything but exactly one summary', () => {
    expect(() => decodeSummary(Buffer.alloc(SUMMARY_SIZE * 2))).toThrow(/expected one 192-byte summary/);
  });
  it('decodes remote endpoints, most connections first', () => {
    const keys = Buffer.alloc(2 * REMOTE_KEY_SIZE, 0);
    const values = Buffer.alloc(16);
    keys.writeUInt16LE(2, 0);
    keys.writeUInt16LE(443, 2);
    Buffer.from([10, 0, 0, 7]).copy(keys, 4);
    keys.writeUInt16LE(10, 20);
    keys.writeUInt16LE(5432, 22);
    keys[20 + 4 + 15] = 1;
    values.writeBigUInt64LE(3n, 0);
    values.writeBigUInt64LE(9n, 8);
    expect(decodeRemotes({ keys, values, count: 2, keySize: REMOTE_KEY_SIZE, valueSize: 8 })).toEqual([
      { family: 6, addr: '::1', port: 5432, connections: 9 },
      { family: 4, addr: '10.0.0.7', port: 443, connections: 3 },
    ]);
  });
  it('decodes sockets per owner cgroup, most on ephemeral ports first', () => {
    const keys = Buffer.alloc(3 * 8);
    const values = Buffer.alloc(3 * 16);
    [
      [0n, 40, 40],
      [9001n, 12, 10],
      [9002n, 300, 2],
    ].forEach(([id, n, eph], i) => {
      keys.writeBigUInt64LE(id as bigint, 8 * i);
      values.writeBigUInt64LE(BigInt(n as number), 16 * i);
      values.writeBigUInt64LE(BigInt(eph as number), 16 * i + 8);
    });
    expect(decodeOwners({ keys, values, count: 3, keySize: 8, valueSize: 16 })).toEqual([
      { cgroup: '0', sockets: 40, ephemeralSockets: 40 },
      { cgroup: '9001', sockets: 12, ephemeralSockets: 10 },
      { cgroup: '9002', sockets: 300, ephemeralSockets: 2 },
    ]);
    expect(() => decodeOwners({ keys, values, count: 3, keySize: 8, valueSize: 8 })).toThrow(/owners/);
  });
});

describe('renderTcpports', () => {
  const data: TcpportsData = {
    at: '2026-11-25T16:10:00.000Z', tookMs: 37, sockets: 60047, states: { ESTABLISHED: 60000, TIME_WAIT: 40, LISTEN: 7 },
    ephemeral: { range: [32768, 60999], size: 28232, portsUsed: 28000, usedPct: 99.18, sockets: 30020, maxPerPort: 2 },
    remotes: [{ family: 4, addr: '127.0.0.1', port: 21000, connections: 15000, rangePct: 53.13 }], remoteCount: 1, remotesMissed: 0,
    owners: [], ownerCount: 0, ownersMissed: 0,
  };
  it('prints states with ss names, the range use and the endpoints', () => {
    expect(renderTcpports(data)).toBe(
      [
        'TCP sockets: 60047 (pass 37 ms)',
        'STATE                 COUNT',
        'ESTAB (ESTABLISHED)   60000',
        'TIME-WAIT (TIME_WAIT)    40',
        'LISTEN                    7',
        '',
        'ephemeral range 32768-60999 (28232 ports): 28000 in use (99.18%), 30020 sockets on them, at most 2 on one port',
        '',
        'TOP REMOTE ENDPOINTS (connections from ephemeral ports; 1 endpoints)',
        'RADDR:RPORT     CONNS %RANGE',
        '127.0.0.1:21000 15000  53.13',
        '',
      ].join('\n'),
    );
    expect(ssStateName('NEW_SYN_RECV')).toBe('SYN-RECV');
  });
  it('lists the owners by their label, time-wait sockets apart', () => {
    const owner = { cgroupId: '9001', cgroupPath: '/kubepods.slice/x', runtime: 'containerd' as const, podUid: 'u', containerId: 'c', namespace: 'shop', pod: 'web-0', container: 'web' };
    const out = renderTcpports({ ...data, owners: [{ cgroup: '9001', owner, sockets: 12, ephemeralSockets: 10 }, { cgroup: '0', sockets: 40, ephemeralSockets: 40 }], ownerCount: 2 });
    expect(out.trimEnd().split('\n').slice(-4)).toEqual([
      "TOP OWNERS (the sockets' cgroups; 2 owners)",
      'OWNER                  SOCKETS EPHEMERAL',
      'shop/web-0/web              12        10',
      '(time-wait, no cgroup)      40        40',
    ]);
  });
  it('adds one line per snapshot of a series', () => {
    const out = renderTcpports({ ...data, series: [data, data] });
    expect(out.trimEnd().split('\n').slice(-2)).toEqual([
      '16:10:00 sockets 60047 estab 60000 time-wait 40 ephemeral 28000/28232 (99.18%)',
      '16:10:00 sockets 60047 estab 60000 time-wait 40 ephemeral 28000/28232 (99.18%)',
    ]);
  });
});
