import { describe, expect, it } from 'vitest';
import { mapDumpOf } from '@sonde/probe-sdk';
import { decodeOwners, decodeRemotes, decodeSummary, stateCounts } from './decode.js';
import { tcpports_owner, tcpports_remote, tcpports_summary } from './layout.gen.js';
import { renderTcpports, ssStateName } from './render.js';
import type { TcpportsData } from './index.js';

function summary(): Buffer {
  expect(tcpports_summary.size).toBe(192);
  const states = new Array<number>(16).fill(0);
  states[1] = 60000; // ESTABLISHED
  states[6] = 40; // TIME_WAIT
  states[10] = 7; // LISTEN
  return tcpports_summary.encode({
    gen: 7,
    sockets: 60047,
    states,
    eph_sockets: 30020,
    eph_ports_used: 28000,
    eph_port_max: 2,
    remotes_missed: 0,
    port_lo: 32768,
    port_hi: 60999,
    owners_missed: 5,
  });
}

describe('tcpports decode', () => {
  it('decodes the pass summary', () => {
    const s = decodeSummary(summary());
    expect(s).toMatchObject({ gen: 7, sockets: 60047, ephSockets: 30020, ephPortsUsed: 28000, ephPortMax: 2, remotesMissed: 0, portLo: 32768, portHi: 60999, ownersMissed: 5 });
    expect(stateCounts(s.states)).toEqual({ ESTABLISHED: 60000, TIME_WAIT: 40, LISTEN: 7 });
  });
  it('refuses anything but exactly one summary', () => {
    expect(() => decodeSummary(Buffer.alloc(tcpports_summary.size * 2))).toThrow(/expected one 192-byte summary/);
  });
  it('decodes remote endpoints, most connections first', () => {
    const v6 = [...new Array<number>(15).fill(0), 1];
    const d = mapDumpOf(tcpports_remote, 'u64', [
      [{ family: 2, port: 443, addr: [10, 0, 0, 7] }, 3],
      [{ family: 10, port: 5432, addr: v6 }, 9],
    ]);
    expect(decodeRemotes(d)).toEqual([
      { family: 6, addr: '::1', port: 5432, connections: 9 },
      { family: 4, addr: '10.0.0.7', port: 443, connections: 3 },
    ]);
  });
  it('decodes sockets per owner cgroup, most on ephemeral ports first', () => {
    const d = mapDumpOf('u64', tcpports_owner, [
      [0n, { sockets: 40, eph_sockets: 40 }],
      [9001n, { sockets: 12, eph_sockets: 10 }],
      [9002n, { sockets: 300, eph_sockets: 2 }],
    ]);
    expect(decodeOwners(d)).toEqual([
      { cgroup: '0', sockets: 40, ephemeralSockets: 40 },
      { cgroup: '9001', sockets: 12, ephemeralSockets: 10 },
      { cgroup: '9002', sockets: 300, ephemeralSockets: 2 },
    ]);
    expect(() => decodeOwners({ ...d, valueSize: 8 })).toThrow(/owners/);
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
