/**
 * tcpconnect's parameters: upstream tcpconnect's options (libbpf-tools/tcpconnect.c, tools/tcpconnect.py)
 * as a zod schema. The common filters (probe-sdk connFilterShape) map to the globals of
 * bpf/include/tuple_filter.h and task.h (see `globalsFor`); `count` switches the kernel to aggregation;
 * `sourcePort`, `printUid` and `timestamps` only shape the text output (the JSON always has every field).
 */
import { z } from 'zod';
import { checkConnFilters, connFilterGlobals, connFilterShape, ringBufferKiB } from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

export const params = z
  .object({
    ...connFilterShape,
    rport: connFilterShape.rport.describe('remote (destination) port or list of up to 8 (upstream -P); [] = every port'),
    count: z
      .boolean()
      .default(false)
      .describe('count connects per (laddr, raddr, rport) in the kernel instead of streaming events (upstream -c)'),
    sourcePort: z.boolean().default(false).describe('text output: show the source (local) port column (upstream -s)'),
    printUid: z.boolean().default(false).describe('text output: show the UID column (upstream -U)'),
    timestamps: z.boolean().default(false).describe('text output: show seconds since the first event (upstream -t)'),
    bufferKiB: ringBufferKiB(),
  })
  .strict()
  .superRefine(checkConnFilters);

export type TcpconnectParams = z.output<typeof params>;

/** The rodata globals of bpf/tcpconnect.bpf.c (tuple_filter.h, task.h) for these params. */
export function globalsFor(p: TcpconnectParams): Globals {
  return { ...connFilterGlobals(p), targ_count: p.count };
}
