import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { globalsFor, params } from './params.js';

describe('tcptrace params', () => {
  it('defaults: every TCP packet, 1000 timelines', () => {
    expect(params.parse({})).toEqual({ port: [], maxPackets: 1000, bufferKiB: 4096 });
    expect(globalsFor(params.parse({}))).toMatchObject({ targ_ports_cnt: 0, targ_addr_family: 0, targ_learn: false, targ_max_pkts: 1000 });
  });

  it('encodes either-end filters, and turns on flow learning for task filters', () => {
    const g = globalsFor(params.parse({ port: [8080, 443], addr: '10.231.0.0/16', pid: 42 }));
    expect([g.targ_ports_cnt, g.targ_addr_family, g.targ_addr_prefix, g.targ_pid, g.targ_learn]).toEqual([2, 2, 16, 42, true]);
  });

  it('rejects contradictions and unknown keys; documents every key', () => {
    expect(params.safeParse({ family: 6, addr: '10.0.0.0/8' }).success).toBe(false);
    expect(params.safeParse({ lport: 80 }).success).toBe(false);
    const js = z.toJSONSchema(params, { io: 'input' }) as { properties: Record<string, { description?: string }> };
    for (const [k, v] of Object.entries(js.properties)) expect(v.description, k).toBeTruthy();
  });
});
