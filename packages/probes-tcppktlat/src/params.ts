/**
 * tcppktlat's parameters: upstream tcppktlat's options (libbpf-tools/tcppktlat.c) as a zod schema.
 * `minUs` (positional min_us), `pid` (-p), `tid` (-t), `lport` (-l), `rport` (-r), `timestamps` (-T);
 * the other common filters come with them. Each maps to a `targ_*` global of bpf/tcppktlat.bpf.c,
 * except `maxEvents` (the result's cap) and `timestamps` (text only). Upstream -w (wide) is not needed:
 * the address columns always widen to fit IPv6.
 */
import { z } from 'zod';
import { checkConnFilters, connFilterGlobals, connFilterShape, ringBufferKiB } from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

export const params = z
  .object({
    minUs: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('list only reads whose data waited at least this many µs (upstream min_us); 0 lists every read, 0 µs included. The histogram counts every read'),
    tid: z.number().int().min(1).max(4_194_304).optional().describe('only this thread (upstream -t)'),
    maxEvents: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(10_000)
      .describe('events kept in the result (the first ones; the histogram and counts stay exact)'),
    timestamps: z.boolean().default(false).describe('text output: a TIME(s) column, seconds since the first event (upstream -T)'),
    ...connFilterShape,
    bufferKiB: ringBufferKiB(),
  })
  .strict()
  .superRefine(checkConnFilters);

export type TcppktlatParams = z.output<typeof params>;

export function globalsFor(p: TcppktlatParams): Globals {
  return { ...connFilterGlobals(p), targ_min_us: BigInt(p.minUs), ...(p.tid !== undefined ? { targ_tid: p.tid } : {}) };
}
