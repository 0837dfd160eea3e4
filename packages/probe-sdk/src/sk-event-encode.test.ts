import { describe, expect, it } from 'vitest';
import { decodeSkEventHead, SK_EVENT_HEAD_SIZE } from './sk-event.js';
import { encodeSkEventHead } from './sk-event-encode.js';

describe('encodeSkEventHead', () => {
  it.each([
    {
      f: { pid: 812, tid: 813, uid: 33, netns: 4026532000, cgroup: 9876n, comm: 'nginx', af: 2, lport: 8080, rport: 51234, laddr: [10, 0, 0, 2], raddr: [10, 0, 0, 1] },
      want: { pid: 812, tid: 813, uid: 33, netns: 4026532000, cgroup: '9876', comm: 'nginx', family: 4, lport: 8080, rport: 51234, laddr: '10.0.0.2', raddr: '10.0.0.1' },
    },
    {
      f: { skaddr: 0xffff888104365000n, comm: 'a-very-long-task-name', af: 10, laddr: [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1], raddr: [...new Array(15).fill(0), 1] },
      want: { skaddr: '0xffff888104365000', pid: 0, comm: 'a-very-long-tas', family: 6, laddr: '2001:db8::1', raddr: '::1' },
    },
  ])('round-trips through decodeSkEventHead: $want.comm', ({ f, want }) => {
    expect(decodeSkEventHead(encodeSkEventHead(f))).toMatchObject(want);
  });

  it('pads the record to the probe event size with zeros', () => {
    const b = encodeSkEventHead({ tsNs: 5_000_000n, pid: 1 }, 104);
    expect(b.length).toBe(104);
    expect(b.readBigUInt64LE(0)).toBe(5_000_000n);
    expect(b.subarray(SK_EVENT_HEAD_SIZE).every((x) => x === 0)).toBe(true);
    expect(() => encodeSkEventHead({}, 64)).toThrow(/at least 96 bytes/);
  });
});
