import { describe, expect, it } from 'vitest';
import { skEventHeadInput } from '@sonde/probe-sdk';
import { countTypes, decodeEvent } from './decode.js';
import { tcptracer_event } from './layout.gen.js';

/** a struct tcptracer_event from its fields; its bytes come from the generated layout */
function event(type: string, pid: number, af: number, l: number[], r: number[], lport: number, rport: number): Buffer {
  const b = tcptracer_event.encode({
    h: skEventHeadInput({ tsNs: process.hrtime.bigint(), pid, netns: 4026531833, comm: 'telnet', af, lport, rport, laddr: l, raddr: r }),
    type: type.charCodeAt(0),
  });
  const [, typeAt] = tcptracer_event.fields.find(([n]) => n === 'type')!;
  b.fill(0xee, typeAt + 1); // the padding after `type` is ignored
  return b;
}

describe('decodeEvent', () => {
  it.each([
    ['C', 2, [192, 168, 1, 2], [192, 168, 1, 1], 59306, 23, '192.168.1.2', '192.168.1.1'],
    ['A', 2, [10, 0, 0, 1], [10, 0, 0, 9], 80, 40000, '10.0.0.1', '10.0.0.9'],
    ['X', 10, [...Array(15).fill(0), 1], [...Array(15).fill(0), 1], 8080, 50000, '::1', '::1'],
  ] as const)('decodes a %s event', (type, af, l, r, lport, rport, laddr, raddr) => {
    expect(decodeEvent(event(type, 28943, af, [...l], [...r], lport, rport))).toMatchObject({ type, pid: 28943, comm: 'telnet', netns: 4026531833, laddr, raddr, lport, rport });
  });

  it('refuses unknown types and short records', () => {
    expect(() => decodeEvent(event('Z', 1, 2, [1, 1, 1, 1], [1, 1, 1, 1], 1, 1))).toThrow(/unknown event type/);
    expect(() => decodeEvent(Buffer.alloc(96))).toThrow(/104/);
  });

  it('counts types', () => {
    expect(countTypes([{ type: 'C' }, { type: 'X' }, { type: 'A' }, { type: 'X' }])).toEqual({ connect: 1, accept: 1, close: 2 });
  });
});
