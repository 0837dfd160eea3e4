/**
 * tcpstates' parameters: upstream tcpstates' options (libbpf-tools/tcpstates.c) plus every common
 * filter. Filters map to the globals of bpf/include/tuple_filter.h and task.h; `timestamp` and
 * `wide` only shape the text output. Upstream -L/-D are lport/rport, -4/-6 family, -T timestamp,
 * -w wide.
 */
import { z } from 'zod';
import { checkConnFilters, connFilterGlobals, connFilterShape, ringBufferKiB } from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

/** 16 MiB: ~140 000 events (120 bytes each with the ring's header), 1.4 s of churn at 100 000 state changes/s */
export const DEFAULT_BUFFER_KIB = 16_384;

export const params = z
  .object({
    ...connFilterShape,
    lport: connFilterShape.lport.describe('local port or list of up to 8 (upstream -L); [] = every port'),
    rport: connFilterShape.rport.describe('remote port or list of up to 8 (upstream -D); [] = every port'),
    timestamp: z.boolean().default(false).describe('text output: a TIME(s) column, seconds since the first event (upstream -T)'),
    wide: z.boolean().default(false).describe('text output: address columns wide enough for IPv6 (upstream -w)'),
    bufferKiB: ringBufferKiB(DEFAULT_BUFFER_KIB),
  })
  .strict()
  .superRefine(checkConnFilters);

export type TcpstatesParams = z.output<typeof params>;

export function globalsFor(p: TcpstatesParams): Globals {
  return connFilterGlobals(p);
}
