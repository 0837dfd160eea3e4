import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkConnFilters, checkFamilyOf, connFilterGlobals, connFilterShape, tupleFilterGlobals, tupleFilterShape } from './conn-filters.js';

const schema = z.object(connFilterShape).strict().superRefine(checkConnFilters);

describe('conn filters', () => {
  it('defaults to no filter and encodes zero globals', () => {
    const p = schema.parse({});
    expect(p).toEqual({ lport: [], rport: [] });
    const g = connFilterGlobals(p);
    expect(g.targ_lports_cnt).toBe(0);
    expect(g.targ_family).toBe(0);
    expect(g.targ_laddr_family).toBe(0);
    expect(g.targ_pid).toBeUndefined();
  });

  it('encodes ports, CIDRs, family and task filters', () => {
    const g = connFilterGlobals(schema.parse({ lport: 8080, raddr: '10.0.0.0/8', family: 4, pid: 42, comm: 'curl' }));
    expect(g.targ_lports_cnt).toBe(1);
    expect(Buffer.from(g.targ_lports as Uint8Array).readUInt16LE(0)).toBe(8080);
    expect(g.targ_raddr_family).toBe(2);
    expect(g.targ_raddr_prefix).toBe(8);
    expect(g.targ_family).toBe(2);
    expect(g.targ_pid).toBe(42);
    expect(Buffer.from(g.targ_comm as Uint8Array).toString('utf8', 0, 4)).toBe('curl');
  });

  it('refuses combinations no socket matches', () => {
    const r = schema.safeParse({ laddr: '10.0.0.1', raddr: '::1' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['raddr']);
    const f = schema.safeParse({ laddr: '10.0.0.1', family: 6 });
    expect(f.error!.issues[0]!.path).toEqual(['family']);
  });
});

describe('tuple filters alone', () => {
  const tuple = z.object(tupleFilterShape).strict().superRefine(checkConnFilters);

  it('has only the tuple keys and encodes only the tuple_filter.h globals', () => {
    const p = tuple.parse({ rport: [443, 80], laddr: '::1', family: 6 });
    expect(p).toEqual({ lport: [], rport: [443, 80], laddr: '::1', family: 6 });
    const g = tupleFilterGlobals(p);
    expect(Object.keys(g).sort()).toEqual(
      ['family', 'laddr', 'laddr_family', 'laddr_prefix', 'lports', 'lports_cnt', 'raddr', 'raddr_family', 'raddr_prefix', 'rports', 'rports_cnt'].map((k) => `targ_${k}`),
    );
    expect(g.targ_rports_cnt).toBe(2);
    expect([g.targ_laddr_family, g.targ_laddr_prefix, g.targ_family]).toEqual([10, 128, 10]);
    expect(tuple.safeParse({ pid: 1 }).success).toBe(false);
  });

  it('is the first half of the conn filters', () => {
    const p = schema.parse({ lport: 22, raddr: '10.0.0.0/8', pid: 42 });
    expect(connFilterGlobals(p)).toEqual({ ...tupleFilterGlobals(p), targ_pid: 42 });
  });
});

describe('checkFamilyOf', () => {
  const either = z
    .object({ addr: tupleFilterShape.laddr, family: tupleFilterShape.family })
    .superRefine((p, ctx) => checkFamilyOf(p.family, 'addr', p.addr, ctx));

  it('refuses a family the address excludes, names the key, and leaves a bad CIDR to its field', () => {
    expect(either.safeParse({ addr: '10.0.0.0/8', family: 4 }).success).toBe(true);
    expect(either.safeParse({ family: 6 }).success).toBe(true);
    const r = either.safeParse({ addr: '10.0.0.0/8', family: 6 });
    expect(r.error!.issues.map((i) => [i.path, i.message])).toEqual([[['family'], 'family 6 excludes the IPv4 addr filter']]);
    expect(either.safeParse({ addr: 'nope', family: 6 }).error!.issues.map((i) => i.path)).toEqual([['addr']]);
  });
});
