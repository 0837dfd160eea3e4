import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_SUBNETS, globalsFor, params } from './params.js';

const errors = (v: unknown) => {
  const r = params.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('tcpsubnet params', () => {
  it('defaults to the upstream list and bytes', () => {
    expect(params.parse({})).toMatchObject({ subnets: DEFAULT_SUBNETS, units: 'B', intervalMs: 1000, json: false });
  });

  it('takes a comma-separated string or an array, and normalises each CIDR', () => {
    expect(params.parse({ subnets: '10.1.2.3/8, 192.168.1.7,2001:db8::/32' }).subnets).toEqual(['10.0.0.0/8', '192.168.1.7/32', '2001:db8::/32']);
    expect(params.parse({ subnets: ['::1'] }).subnets).toEqual(['::1/128']);
  });

  it.each([
    [{ subnets: '10.0.0.0/33' }, "subnets: invalid IPv4 address or CIDR '10.0.0.0/33': prefix length 33 exceeds 32"],
    [{ subnets: '' }, 'subnets: give 1..32 subnets (the kernel-side list holds 32), got 0'],
    [{ units: 'G' }, 'units: Invalid option: expected one of "b"|"k"|"m"|"B"|"K"|"M"'],
  ])('rejects %j', (input, message) => {
    expect(errors(input)).toEqual([message]);
  });

  it('documents every key', () => {
    const js = z.toJSONSchema(params, { io: 'input' }) as { properties: Record<string, { description?: string }> };
    for (const [k, v] of Object.entries(js.properties)) expect(v.description, k).toBeTruthy();
  });

  it('lays the list out as parallel rodata arrays, in order', () => {
    const g = globalsFor(params.parse({ subnets: '127.0.0.1/32,10.0.0.0/8,::/0' }));
    expect(g.targ_nnets).toBe(3);
    const nets = g.targ_nets as Uint8Array;
    expect(Array.from(nets.subarray(0, 4))).toEqual([127, 0, 0, 1]);
    expect(Array.from(nets.subarray(16, 20))).toEqual([10, 0, 0, 0]);
    expect(Array.from(new Uint32Array((g.targ_net_prefix as Uint8Array).buffer).subarray(0, 4))).toEqual([32, 8, 0, 0]);
    expect(Array.from(new Uint16Array((g.targ_net_family as Uint8Array).buffer).subarray(0, 4))).toEqual([2, 2, 10, 0]);
  });
});
