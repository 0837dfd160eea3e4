/**
 * tcpstates' parameters: upstream tcpstates' options (libbpf-tools/tcpstates.c) plus every common
 * filter. Filters map to the globals of bpf/include/tuple_filter.h and task.h; `timestamp` and
 * `wide` only shape the text output. Upstream -L/-D are lport/rport, -4/-6 family, -T timestamp,
 * -w wide.
 */
import { z } from 'zod';
import { checkConnFilters, connFilterGlobals, connFilterShape, type GlobalValue } from '@sonde/probe-sdk';

export const params = z
  .object({
    ...connFilterShape,
    lport: connFilterShape.lport.describe('local port or list of up to 8 (upstream -L); [] = every port'),
    rport: connFilterShape.rport.describe('remote port or list of up to 8 (upstream -D); [] = every port'),
    timestamp: z.boolean().default(false).describe('text output: a TIME(s) column, seconds since the first event (upstream -T)'),
    wide: z.boolean().default(false).describe('text output: address columns wide enough for IPv6 (upstream -w)'),
  })
  .strict()
  .superRefine(checkConnFilters);

export type TcpstatesParams = z.output<typeof params>;

export function globalsFor(p: TcpstatesParams): Record<string, GlobalValue> {
  return connFilterGlobals(p);
}
