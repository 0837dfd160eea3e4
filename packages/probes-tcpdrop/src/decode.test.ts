import { describe, expect, it } from 'vitest';
import { mapDumpOf, skEventHeadInput } from '@sonde/probe-sdk';
import { decodeEvent, decodeFlows, decodeReasonCounts, decodeStackCounts, stateName, tcpFlags } from './decode.js';
import { tcpdrop_event, tcpdrop_flow_key, tcpdrop_flow_val, tcpdrop_stack_key } from './layout.gen.js';

describe('tcpFlags / stateName', () => {
  it.each([
    [0x02, 'SYN'],
    [0x12, 'SYN|ACK'],
    [0x18, 'PSH|ACK'],
    [0x14, 'RST|ACK'],
    [0x00, ''],
    [0xff, 'FIN|SYN|RST|PSH|ACK|URG|ECE|CWR'],
  ])('%i is %s', (f, s) => expect(tcpFlags(f)).toBe(s));
  it('names states, - without a socket', () => {
    expect(stateName(0)).toBe('-');
    expect(stateName(10)).toBe('LISTEN');
    expect(stateName(2)).toBe('SYN_SENT');
  });
});

describe('map decoders', () => {
  it('reasons: u32 -> u64', () => {
    expect(decodeReasonCounts(mapDumpOf('u32', 'u64', [[40, 16], [3, 1]]))).toEqual([{ value: 40, count: 16 }, { value: 3, count: 1 }]);
  });

  it('flows: tuple + reason + socket cgroup -> count, state, or-ed flags', () => {
    const d = mapDumpOf(tcpdrop_flow_key, tcpdrop_flow_val, [
      [
        { t: { family: 2, lport: 7000, rport: 37442, laddr: [10, 231, 28, 2], raddr: [10, 231, 28, 1] }, reason: 40, cgroup: 195421n },
        { count: 6, state: 10, flags: 0x18 },
      ],
    ]);
    expect(decodeFlows(d)).toEqual([
      { family: 4, laddr: '10.231.28.2', lport: 7000, raddr: '10.231.28.1', rport: 37442, reason: 40, cgroup: '195421', count: 6, state: 10, flags: 0x18 },
    ]);
  });

  it('stack counts: a negative id is a failed stack', () => {
    const d = mapDumpOf(tcpdrop_stack_key, 'u64', [
      [{ stack_id: 364, reason: 40 }, 4],
      [{ stack_id: -17, reason: 3 }, 2],
    ]);
    expect(decodeStackCounts(d)).toEqual([
      { stackId: 364, reason: 40, count: 4 },
      { stackId: -17, reason: 3, count: 2 },
    ]);
  });

  it('refuses layouts it does not know', () => {
    expect(() => decodeFlows({ ...mapDumpOf(tcpdrop_flow_key, tcpdrop_flow_val, []), keySize: 40 })).toThrow(/expected 56\/16/);
  });
});

describe('decodeEvent', () => {
  it('decodes a headers-only drop (no socket) and a socket drop', () => {
    const b = tcpdrop_event.encode({
      h: skEventHeadInput({ tsNs: 123456789n, netns: 4026532177, af: 2, lport: 7003, rport: 56816, laddr: [10, 0, 0, 2], raddr: [10, 0, 0, 1] }),
      location: 0xffffffff81a3c0d1n,
      reason: 3,
      stack_id: 988,
      state: 0,
      flags: 0x02,
      has_sk: 0,
    });
    expect(decodeEvent(b)).toMatchObject({
      netns: 4026532177, family: 4, laddr: '10.0.0.2', lport: 7003, raddr: '10.0.0.1', rport: 56816,
      location: 0xffffffff81a3c0d1n, reason: 3, stackId: 988, state: 0, flags: 2, hasSocket: false, skaddr: '0x0',
    });
    tcpdrop_event.encodeInto(b, 0, { h: { skaddr: 0xffff88810a312e40n }, state: 2, has_sk: 1 });
    expect(decodeEvent(b)).toMatchObject({ skaddr: '0xffff88810a312e40', state: 2, hasSocket: true });
    expect(() => decodeEvent(b.subarray(0, tcpdrop_event.size - 20))).toThrow(/expected 120/);
  });
});
