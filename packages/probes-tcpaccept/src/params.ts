/**
 * tcpaccept's parameters: upstream tcpaccept's options (tools/tcpaccept.py) as a zod schema. The
 * common filters (probe-sdk connFilterShape) map to the globals of bpf/include/tuple_filter.h and
 * task.h (see `globalsFor`); `time` and `timestamps` only shape the text output.
 */
import { z } from 'zod';
import { checkConnFilters, connFilterGlobals, connFilterShape, ringBufferKiB } from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

export const params = z
  .object({
    ...connFilterShape,
    lport: connFilterShape.lport.describe('local (listening) port or list of up to 8 (upstream -P); [] = every port'),
    time: z.boolean().default(false).describe('text output: show the time of day HH:MM:SS, UTC (upstream -T)'),
    timestamps: z.boolean().default(false).describe('text output: show seconds since the first event (upstream -t)'),
    bufferKiB: ringBufferKiB(),
  })
  .strict()
  .superRefine(checkConnFilters);

export type TcpacceptParams = z.output<typeof params>;

export function globalsFor(p: TcpacceptParams): Globals {
  return connFilterGlobals(p);
}
