/**
 * tcprtt's parameters: upstream tcprtt's options (libbpf-tools/tcprtt.c) as a zod schema. Each
 * key maps to `const volatile targ_*` globals of bpf/tcprtt.bpf.c (see `globalsFor`; the filters
 * are probe-sdk's tupleFilterShape, the globals of bpf/include/tuple_filter.h, and `netns`, the one of
 * bpf/include/netns.h), except `extended`
 * (text only) and `intervalMs` (the user-side read loop). Upstream -d is the job's duration and -T
 * is always on (series entries carry their time).
 */
import { z } from 'zod';
import { checkConnFilters, netns, ownerFilterShape, taskFilterGlobals, tupleFilterGlobals, tupleFilterShape } from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

/** targ_by: TCPRTT_BY_*; pod and container key by the socket's cgroup, grouped in user space */
export const BY = { none: 0, laddr: 1, raddr: 2, pod: 3, container: 3 } as const;

export const params = z
  .object({
    ...tupleFilterShape,
    lport: tupleFilterShape.lport.describe('local port or list of up to 8 (upstream -p); [] traces every port'),
    rport: tupleFilterShape.rport.describe('remote port or list of up to 8 (upstream -P); [] traces every port'),
    laddr: tupleFilterShape.laddr.describe('local address or CIDR, IPv4 or IPv6, e.g. 10.0.0.0/8 or 2001:db8::/32 (upstream -a); absent = any'),
    raddr: tupleFilterShape.raddr.describe('remote address or CIDR, IPv4 or IPv6 (upstream -A); absent = any'),
    netns: netns.optional(),
    ...ownerFilterShape,
    by: z
      .enum(['none', 'laddr', 'raddr', 'pod', 'container'])
      .default('none')
      .describe(
        'one histogram per local address (laddr, upstream -b), per remote address (raddr, upstream -B), per pod ("namespace/name") or per container ("namespace/pod/container"); pod and container keys carry their `owner`',
      ),
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
  .superRefine(checkConnFilters);

export type TcprttParams = z.output<typeof params>;

/** The rodata globals of bpf/tcprtt.bpf.c for these params. */
export function globalsFor(p: TcprttParams): Globals {
  return {
    ...tupleFilterGlobals(p),
    targ_netns: taskFilterGlobals({ netns: p.netns }).targ_netns ?? 0,
    targ_ms: p.units === 'ms',
    targ_by: BY[p.by],
  };
}
