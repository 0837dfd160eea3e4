import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkConnFilters, connFilterGlobals, connFilterShape } from './conn-filters.js';

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
