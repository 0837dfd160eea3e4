import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { globalsFor, params } from './params.js';

describe('tcppktlat params', () => {
  it('has upstream defaults: every read, 0 µs included', () => {
    expect(params.parse({})).toEqual({ minUs: 0, maxEvents: 10_000, timestamps: false, lport: [], rport: [], bufferKiB: 4096 });
  });

  it('encodes min, tid and the upstream port filters', () => {
    const g = globalsFor(params.parse({ minUs: 50_000, tid: 77, pid: 76, lport: 8080, rport: [9000] }));
    expect([g.targ_min_us, g.targ_tid, g.targ_pid, g.targ_lports_cnt, g.targ_rports_cnt]).toEqual([50_000n, 77, 76, 1, 1]);
  });

  it('rejects bad input and documents every key', () => {
    expect(params.safeParse({ minUs: -1 }).success).toBe(false);
    expect(params.safeParse({ wide: true }).success).toBe(false);
    const js = z.toJSONSchema(params, { io: 'input' }) as { properties: Record<string, { description?: string }> };
    for (const [k, v] of Object.entries(js.properties)) expect(v.description, k).toBeTruthy();
  });
});
