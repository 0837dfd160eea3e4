import { describe, expect, it } from 'vitest';
import { params as accept } from '../packages/probes-tcpaccept/src/params.js';
import { params as connlat } from '../packages/probes-tcpconnlat/src/params.js';
import { params as connect } from '../packages/probes-tcpconnect/src/params.js';

describe('connect/accept params refuse filters no connection can match', () => {
  it.each([
    ['tcpconnect', connect],
    ['tcpaccept', accept],
    ['tcpconnlat', connlat],
  ] as const)('%s', (_name, schema) => {
    const mixed = schema.safeParse({ laddr: '10.0.0.0/8', raddr: '2001:db8::/32' });
    expect(mixed.success).toBe(false);
    expect(mixed.error!.issues[0]!.message).toMatch(/laddr is IPv4 and raddr is IPv6/);
    expect(schema.safeParse({ laddr: '10.0.0.0/8', family: 6 }).success).toBe(false);
    expect(schema.safeParse({ laddr: '10.0.0.0/8', raddr: '127.0.0.1', family: 4 }).success).toBe(true);
  });
});
