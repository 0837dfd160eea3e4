/**
 * tcprtt's parameters: upstream tcprtt's options (libbpf-tools/tcprtt.c) as a zod schema. Each
 * key maps to `const volatile targ_*` globals of bpf/tcprtt.bpf.c (see `globalsFor`), except
 * `extended` (text only) and `intervalMs` (the user-side read loop). Upstream -d is the job's
 * duration and -T is always on (series entries carry their time).
 */
import { z } from 'zod';
import {
  addrFilterGlobals,
  cidr,
  family,
  familyGlobal,
  parseCidr,
  portFilterGlobals,
  portList,
  type GlobalValue,
} from '@sonde/probe-sdk';

export const BY = { none: 0, laddr: 1, raddr: 2 } as const;

export const params = z
  .object({
    lport: portList.default([]).describe('local port or list of up to 8 (upstream -p); [] traces every port'),
    rport: portList.default([]).describe('remote port or list of up to 8 (upstream -P); [] traces every port'),
    laddr: cidr
      .optional()
      .describe('local address or CIDR, IPv4 or IPv6, e.g. 10.0.0.0/8 or 2001:db8::/32 (upstream -a); absent = any'),
    raddr: cidr.optional().describe('remote address or CIDR, IPv4 or IPv6 (upstream -A); absent = any'),
    family: family
      .optional()
      .describe('trace only IPv4 (4) or IPv6 (6) connections (upstream -4/-6); v4-mapped IPv6 sockets count as IPv4'),
    by: z
      .enum(['none', 'laddr', 'raddr'])
      .default('none')
      .describe('one histogram per local address (laddr, upstream -b) or per remote address (raddr, upstream -B)'),
    units: z.enum(['us', 'ms']).default('us').describe('histogram unit: microseconds or milliseconds (upstream -m)'),
    extended: z
      .boolean()
      .default(false)
      .describe('text output: show the average per histogram (upstream -e) plus percentiles, min and max'),
    intervalMs: z
      .number()
      .int()
      .min(100, 'intervalMs is at least 100')
      .optional()
      .describe('also report a histogram per interval of this many ms (upstream -i); absent = one summary at the end'),
  })
  .strict()
  .superRefine((p, ctx) => {
    const fam = (s: string | undefined) => {
      if (s === undefined) return undefined;
      try {
        return parseCidr(s).family;
      } catch {
        return undefined; // already reported by the field's own schema
      }
    };
    const l = fam(p.laddr);
    const r = fam(p.raddr);
    if (l && r && l !== r) {
      ctx.addIssue({ code: 'custom', path: ['raddr'], message: `laddr is IPv${l} and raddr is IPv${r}: no connection matches both` });
    }
    for (const [key, f] of [['laddr', l], ['raddr', r]] as const) {
      if (p.family && f && f !== p.family) {
        ctx.addIssue({ code: 'custom', path: ['family'], message: `family ${p.family} excludes the IPv${f} ${key} filter` });
      }
    }
  });

export type TcprttParams = z.output<typeof params>;

/** The rodata globals of bpf/tcprtt.bpf.c for these params. */
export function globalsFor(p: TcprttParams): Record<string, GlobalValue> {
  return {
    ...portFilterGlobals('lports', p.lport),
    ...portFilterGlobals('rports', p.rport),
    ...addrFilterGlobals('laddr', p.laddr),
    ...addrFilterGlobals('raddr', p.raddr),
    ...familyGlobal(p.family),
    targ_ms: p.units === 'ms',
    targ_by: BY[p.by],
  };
}
