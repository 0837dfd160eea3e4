/**
 * tcpconnlat's parameters: upstream tcpconnlat's options (libbpf-tools/tcpconnlat.c) as a zod schema.
 * `minUs` and the common filters (probe-sdk connFilterShape) map to `const volatile targ_*` globals of
 * bpf/tcpconnlat.bpf.c, tuple_filter.h and task.h (see `globalsFor`); `showLport` and `timestamps`
 * only shape the text output.
 */
import { z } from 'zod';
import { checkConnFilters, connFilterGlobals, connFilterShape, isOwnerBy, ownerBy, ringBufferKiB } from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

export const params = z
  .object({
    minUs: z
      .number()
      .int()
      .min(0)
      .max(600_000_000)
      .default(0)
      .describe('only report connects at least this slow, in µs (upstream min_us / -m ms); the histograms still count every connect'),
    ...connFilterShape,
    by: ownerBy.describe('also the latency histograms per pod ("namespace/name") or per container ("namespace/pod/container"), aggregated in the kernel by socket cgroup (`owners`), each carrying its `owner`'),
    showLport: z.boolean().default(false).describe('text output: show the LPORT column (upstream -L)'),
    timestamps: z.boolean().default(false).describe('text output: show seconds since the first event (upstream -t)'),
    bufferKiB: ringBufferKiB(),
  })
  .strict()
  .superRefine(checkConnFilters);

export type TcpconnlatParams = z.output<typeof params>;

export function globalsFor(p: TcpconnlatParams): Globals {
  return { ...connFilterGlobals(p), targ_min_us: BigInt(p.minUs), targ_by_cgroup: isOwnerBy(p.by) };
}
