import { describe, expect, it } from 'vitest';
import { decodeSkEventHead, SK_EVENT_HEAD_SIZE, tcpStateName } from './sk-event.js';
import { splitRecords } from './events.js';

function head(fields: { pid: number; comm: string; af: number; lport: number; rport: number; l: readonly number[]; r: readonly number[] }): Buffer {
  const b = Buffer.alloc(SK_EVENT_HEAD_SIZE);
  b.writeBigUInt64LE(process.hrtime.bigint(), 0);
  b.writeBigUInt64LE(0xffff888012345678n, 8);
  b.writeUInt32LE(fields.pid, 16);
  b.writeUInt32LE(fields.pid + 1, 20);
  b.writeUInt32LE(1000, 24);
  b.writeUInt32LE(4026531840, 28);
  b.writeBigUInt64LE(4242n, 32);
  b.write(fields.comm, 40);
  b.writeUInt16LE(fields.af, 56);
  b.writeUInt16LE(fields.lport, 58);
  b.writeUInt16LE(fields.rport, 60);
  Buffer.from(fields.l).copy(b, 64);
  Buffer.from(fields.r).copy(b, 80);
  return b;
}

describe('decodeSkEventHead', () => {
  it.each([
    [{ pid: 42, comm: 'curl', af: 2, lport: 51000, rport: 443, l: [127, 0, 0, 1], r: [10, 1, 2, 3] }, '127.0.0.1', '10.1.2.3', 4],
    [{ pid: 7, comm: 'nginx', af: 10, lport: 80, rport: 40000, l: [...Array(15).fill(0), 1], r: [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 5] }, '::1', '2001:db8::5', 6],
  ] as const)('decodes %o', (f, laddr, raddr, family) => {
    const h = decodeSkEventHead(head(f));
    expect(h).toMatchObject({ pid: f.pid, tid: f.pid + 1, uid: 1000, comm: f.comm, family, laddr, raddr, lport: f.lport, rport: f.rport, netns: 4026531840, cgroup: '4242', skaddr: '0xffff888012345678' });
    expect(Math.abs(Date.parse(h.time) - Date.now())).toBeLessThan(1000);
  });

  it('names TCP states', () => {
    expect(tcpStateName(1)).toBe('ESTABLISHED');
    expect(tcpStateName(7)).toBe('CLOSE');
    expect(tcpStateName(99)).toBe('STATE_99');
  });
});

describe('splitRecords', () => {
  it('walks u32-length records padded to 8 bytes', () => {
    // records of 3, 8 and 13 bytes: 4+3 -> 8, 4+8 -> 16, 4+13 -> 24
    const buf = Buffer.alloc(48);
    buf.writeUInt32LE(3, 0);
    buf.write('abc', 4);
    buf.writeUInt32LE(8, 8);
    buf.write('12345678', 12);
    buf.writeUInt32LE(13, 24);
    buf.write('thirteen-byte', 28);
    expect([...splitRecords(buf, 3)].map((b) => b.toString())).toEqual(['abc', '12345678', 'thirteen-byte']);
  });
});
