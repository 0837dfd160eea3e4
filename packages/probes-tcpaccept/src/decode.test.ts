import { describe, expect, it } from 'vitest';
import { skEventHeadInput } from '@sonde/probe-sdk';
import { decodeEvent } from './decode.js';
import { tcpaccept_event } from './layout.gen.js';

/** a struct tcpaccept_event from its fields; its bytes come from the generated layout */
function event(o: { af: number; laddr: number[]; raddr: number[]; lport: number; rport: number; fd: number; syscall: number }): Buffer {
  const head = { tsNs: 5_000_000n, skaddr: 0xffff888104365000n, pid: 812, tid: 813, uid: 33, netns: 4026532000, cgroup: 9876n, comm: 'nginx' };
  return tcpaccept_event.encode({ h: skEventHeadInput({ ...head, ...o }), fd: o.fd, syscall: o.syscall });
}

describe('decodeEvent', () => {
  it.each([
    {
      name: 'IPv4 through accept4',
      o: { af: 2, laddr: [10, 231, 7, 2], raddr: [10, 231, 7, 1], lport: 8080, rport: 51234, fd: 7, syscall: 0 },
      want: { family: 4, laddr: '10.231.7.2', raddr: '10.231.7.1', fd: 7, syscall: 'accept4' },
    },
    {
      name: 'IPv6 through accept',
      o: { af: 10, laddr: [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1], raddr: [...new Array(15).fill(0), 1], lport: 443, rport: 40000, fd: 12, syscall: 1 },
      want: { family: 6, laddr: '2001:db8::1', raddr: '::1', fd: 12, syscall: 'accept' },
    },
  ])('$name', ({ o, want }) => {
    expect(decodeEvent(event(o))).toMatchObject({
      pid: 812,
      tid: 813,
      uid: 33,
      comm: 'nginx',
      cgroup: '9876',
      netns: 4026532000,
      lport: o.lport,
      rport: o.rport,
      ...want,
    });
  });

  it('refuses a short record', () => expect(() => decodeEvent(Buffer.alloc(100))).toThrow(/104 bytes/));
});
