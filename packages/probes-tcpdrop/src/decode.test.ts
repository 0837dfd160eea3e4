import { describe, expect, it } from 'vitest';
import type { MapDump } from '@sonde/probe-sdk';
import { decodeEvent, decodeFlows, decodeReasonCounts, decodeStackCounts, EVENT_SIZE, FLOW_KEY_SIZE, FLOW_VALUE_SIZE, stateName, tcpFlags } from './decode.js';

const dump = (keys: Buffer, values: Buffer, count: number, keySize: number, valueSize: number): MapDump => ({ keys, values, count, keySize, valueSize });

function tuple(b: Buffer, off: number, af: number, lport: number, rport: number, l: number[], r: number[]) {
  b.writeUInt16LE(af, off);
  b.writeUInt16LE(lport, off + 2);
  b.writeUInt16LE(rport, off + 4);
  Buffer.from(l).copy(b, off + 8);
  Buffer.from(r).copy(b, off + 24);
}

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
    const k = Buffer.alloc(8);
    const v = Buffer.alloc(16);
    k.writeUInt32LE(40, 0);
    k.writeUInt32LE(3, 4);
    v.writeBigUInt64LE(16n, 0);
    v.writeBigUInt64LE(1n, 8);
    expect(decodeReasonCounts(dump(k, v, 2, 4, 8))).toEqual([{ value: 40, count: 16 }, { value: 3, count: 1 }]);
  });

  it('flows: tuple + reason + socket cgroup -> count, state, or-ed flags', () => {
    const k = Buffer.alloc(FLOW_KEY_SIZE, 0);
    const v = Buffer.alloc(FLOW_VALUE_SIZE, 0);
    tuple(k, 0, 2, 7000, 37442, [10, 231, 28, 2], [10, 231, 28, 1]);
    k.writeUInt32LE(40, 40);
    k.writeBigUInt64LE(195421n, 48);
    v.writeBigUInt64LE(6n, 0);
    v[8] = 10;
    v[9] = 0x18;
    expect(decodeFlows(dump(k, v, 1, FLOW_KEY_SIZE, FLOW_VALUE_SIZE))).toEqual([
      { family: 4, laddr: '10.231.28.2', lport: 7000, raddr: '10.231.28.1', rport: 37442, reason: 40, cgroup: '195421', count: 6, state: 10, flags: 0x18 },
    ]);
  });

  it('stack counts: a negative id is a failed stack', () => {
    const k = Buffer.alloc(16);
    const v = Buffer.alloc(16);
    k.writeInt32LE(364, 0);
    k.writeUInt32LE(40, 4);
    k.writeInt32LE(-17, 8);
    k.writeUInt32LE(3, 12);
    v.writeBigUInt64LE(4n, 0);
    v.writeBigUInt64LE(2n, 8);
    expect(decodeStackCounts(dump(k, v, 2, 8, 8))).toEqual([
      { stackId: 364, reason: 40, count: 4 },
      { stackId: -17, reason: 3, count: 2 },
    ]);
  });

  it('refuses layouts it does not know', () => {
    expect(() => decodeFlows(dump(Buffer.alloc(0), Buffer.alloc(0), 0, 40, 16))).toThrow(/expected 56\/16/);
  });
});

describe('decodeEvent', () => {
  it('decodes a headers-only drop (no socket) and a socket drop', () => {
    const b = Buffer.alloc(EVENT_SIZE, 0);
    b.writeBigUInt64LE(123456789n, 0);
    b.writeUInt32LE(4026532177, 28);
    tuple(b, 56, 2, 7003, 56816, [10, 0, 0, 2], [10, 0, 0, 1]);
    b.writeBigUInt64LE(0xffffffff81a3c0d1n, 96);
    b.writeUInt32LE(3, 104);
    b.writeInt32LE(988, 108);
    b[112] = 0;
    b[113] = 0x02;
    b[114] = 0;
    expect(decodeEvent(b)).toMatchObject({
      netns: 4026532177, family: 4, laddr: '10.0.0.2', lport: 7003, raddr: '10.0.0.1', rport: 56816,
      location: 0xffffffff81a3c0d1n, reason: 3, stackId: 988, state: 0, flags: 2, hasSocket: false, skaddr: '0x0',
    });
    b.writeBigUInt64LE(0xffff88810a312e40n, 8);
    b[112] = 2;
    b[114] = 1;
    expect(decodeEvent(b)).toMatchObject({ skaddr: '0xffff88810a312e40', state: 2, hasSocket: true });
    expect(() => decodeEvent(b.subarray(0, 100))).toThrow(/expected 120/);
  });
});
