import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { globalsFor, params } from './params.js';

const errors = (v: unknown) => {
  const r = params.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('tcprtt params', () => {
  it('has upstream defaults', () => {
    expect(params.parse({})).toEqual({ lport: [], rport: [], by: 'none', units: 'us', extended: false });
  });

  it('normalises ports and keeps addresses', () => {
    expect(params.parse({ lport: 443, rport: [80, 8080], raddr: '10.0.0.0/8', by: 'raddr', units: 'ms', intervalMs: 1000 })).toEqual({
      lport: [443],
      rport: [80, 8080],
      raddr: '10.0.0.0/8',
      by: 'raddr',
      units: 'ms',
      extended: false,
      intervalMs: 1000,
    });
  });

  it.each([
    [{ lport: 0 }, 'lport: port 0 is not an integer 1..65535'],
    [{ rport: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, 'rport: at most 8 ports (the kernel-side list holds 8), got 9'],
    [{ laddr: '10.0.0.0/40' }, "laddr: invalid IPv4 address or CIDR '10.0.0.0/40': prefix length 40 exceeds 32"],
    [{ family: 5 }, 'family: family is 4 or 6'],
    [{ by: 'port' }, 'by: Invalid option: expected one of "none"|"laddr"|"raddr"|"pod"|"container"'],
    [{ pod: 'Shop/Web' }, 'pod: pod is "namespace/name" or a pod UID'],
    [{ podSelector: 'app in (a' }, expect.stringMatching(/^podSelector: /)],
    [{ intervalMs: 50 }, 'intervalMs: intervalMs is at least 100'],
    [{ laddr: '10.0.0.1', raddr: '::1' }, 'raddr: laddr is IPv4 and raddr is IPv6: no connection matches both'],
    [{ family: 6, raddr: '10.0.0.0/8' }, 'family: family 6 excludes the IPv4 raddr filter'],
  ])('rejects %j', (input, message) => {
    expect(errors(input)).toEqual([message]);
  });

  it('rejects unknown keys (strict)', () => {
    expect(errors({ lports: 80 })[0]).toMatch(/Unrecognized key.*lports/);
  });

  it('documents every key in its JSON schema', () => {
    const js = z.toJSONSchema(params, { io: 'input' }) as { properties: Record<string, { description?: string }> };
    expect(Object.keys(js.properties).sort()).toEqual(['by', 'cgroup', 'container', 'extended', 'family', 'intervalMs', 'laddr', 'lport', 'netns', 'pod', 'podSelector', 'raddr', 'rport', 'units']);
    for (const [k, v] of Object.entries(js.properties)) expect(v.description, k).toBeTruthy();
  });
});

describe('globalsFor', () => {
  it('turns off every filter by default', () => {
    expect(globalsFor(params.parse({}))).toEqual({
      targ_lports: new Uint8Array(16),
      targ_lports_cnt: 0,
      targ_rports: new Uint8Array(16),
      targ_rports_cnt: 0,
      targ_laddr: new Uint8Array(16),
      targ_laddr_family: 0,
      targ_laddr_prefix: 0,
      targ_raddr: new Uint8Array(16),
      targ_raddr_family: 0,
      targ_raddr_prefix: 0,
      targ_family: 0,
      targ_netns: 0,
      targ_ms: false,
      targ_by: 0,
    });
  });

  it('takes the network namespace as an inode or pid:<n>', () => {
    expect(globalsFor(params.parse({ netns: 4026531840 })).targ_netns).toBe(4026531840);
    const own = statSync('/proc/self/ns/net').ino;
    expect(globalsFor(params.parse({ netns: `pid:${process.pid}` })).targ_netns).toBe(Number(own));
  });

  it('keys by the socket cgroup for by pod and container (grouped in user space)', () => {
    expect(globalsFor(params.parse({ by: 'pod' })).targ_by).toBe(3);
    expect(globalsFor(params.parse({ by: 'container' })).targ_by).toBe(3);
  });

  it('encodes filters for the kernel', () => {
    const g = globalsFor(params.parse({ lport: [22, 443], raddr: '2001:db8::/32', family: 6, by: 'laddr', units: 'ms' }));
    expect(Array.from(g.targ_lports as Uint8Array).slice(0, 5)).toEqual([22, 0, 0xbb, 1, 0]);
    expect(g.targ_lports_cnt).toBe(2);
    expect(Buffer.from(g.targ_raddr as Uint8Array).toString('hex')).toBe('20010db8000000000000000000000000');
    expect([g.targ_raddr_family, g.targ_raddr_prefix, g.targ_family, g.targ_ms, g.targ_by]).toEqual([10, 32, 10, true, 1]);
  });
});
