/**
 * tcptop's parameters: upstream tcptop's options (libbpf-tools/tcptop.c, tools/tcptop.py) as a zod
 * schema. Filters map to the `const volatile targ_*` globals of bpf/tcptop.bpf.c (tuple_filter.h +
 * task.h, see `globalsFor`); sort, rows, intervalMs, count and noClear shape the report in user space.
 * Upstream's positional interval/count are `intervalMs`/`count`; -C is `noClear`; -S is `sort`.
 */
import { z } from 'zod';
import { checkConnFilters, connFilterGlobals, connFilterShape, ownerBy } from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

export const params = z
  .object({
    ...connFilterShape,
    sort: z
      .enum(['all', 'sent', 'received'])
      .default('all')
      .describe('order rows by sent + received bytes (all), by sent or by received bytes, largest first (upstream -S)'),
    rows: z.number().int().min(1).max(10_000).default(20).describe('rows per table, the top N after sorting (upstream -r)'),
    by: ownerBy.describe(
      'none: one row per process and connection (upstream); pod / container: one row per pod ("namespace/name") or container ("namespace/pod/container") summing its connections, each carrying its `owner`',
    ),
    intervalMs: z
      .number()
      .int()
      .min(100, 'intervalMs is at least 100')
      .default(1000)
      .describe('one table per interval of this many ms (upstream interval, 1 s)'),
    count: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('stop after this many intervals (upstream count); absent = until the job ends'),
    noClear: z
      .boolean()
      .default(false)
      .describe('each table shows totals since the start instead of what the interval added (upstream -C)'),
  })
  .strict()
  .superRefine(checkConnFilters);

export type TcptopParams = z.output<typeof params>;

export function globalsFor(p: TcptopParams): Globals {
  return connFilterGlobals(p);
}
