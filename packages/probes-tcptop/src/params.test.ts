import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { globalsFor, params } from './params.js';

const errors = (v: unknown) => {
  const r = params.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('tcptop params', () => {
  it('has upstream defaults', () => {
    expect(params.parse({})).toEqual({ lport: [], rport: [], sort: 'all', rows: 20, by: 'none', intervalMs: 1000, noClear: false });
  });

  it.each([
    [{ sort: 'rx' }, 'sort: Invalid option: expected one of "all"|"sent"|"received"'],
    [{ by: 'process' }, 'by: Invalid option: expected one of "none"|"pod"|"container"'],
    [{ rows: 0 }, 'rows: Too small: expected number to be >=1'],
    [{ intervalMs: 10 }, 'intervalMs: intervalMs is at least 100'],
    [{ family: 4, laddr: '::1' }, 'family: family 4 excludes the IPv6 laddr filter'],
  ])('rejects %j', (input, message) => {
    expect(errors(input)).toEqual([message]);
  });

  it('documents every key', () => {
    const js = z.toJSONSchema(params, { io: 'input' }) as { properties: Record<string, { description?: string }> };
    for (const [k, v] of Object.entries(js.properties)) expect(v.description, k).toBeTruthy();
    expect(Object.keys(js.properties)).toEqual(expect.arrayContaining(['pid', 'cgroup', 'container', 'pod', 'podSelector', 'family', 'sort', 'rows', 'by', 'intervalMs', 'count', 'noClear']));
  });

  it('encodes pid and family filters for the kernel', () => {
    const g = globalsFor(params.parse({ pid: 42, family: 6, lport: 80 }));
    expect([g.targ_pid, g.targ_family, g.targ_lports_cnt]).toEqual([42, 10, 1]);
  });
});
