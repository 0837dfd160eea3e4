/**
 * tcplife's parameters: upstream tcplife's options (libbpf-tools/tcplife.c) plus every common
 * filter. Upstream -p is `pid`, -L/-D `lport`/`rport`, -4/-6 `family`, -t `timestamp`, -T `time`,
 * -w `wide`; filters map to bpf/include/tuple_filter.h and task.h globals, the rest shape the text.
 */
import { z } from 'zod';
import { checkConnFilters, connFilterGlobals, connFilterShape, ownerBy, ringBufferKiB } from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

export const params = z
  .object({
    ...connFilterShape,
    lport: connFilterShape.lport.describe('local port or list of up to 8 (upstream -L); [] = every port'),
    rport: connFilterShape.rport.describe('remote port or list of up to 8 (upstream -D); [] = every port'),
    by: ownerBy.describe('also sessions, bytes and lifetimes per pod ("namespace/name") or per container ("namespace/pod/container"), from every session (`owners`), each carrying its `owner`'),
    time: z.boolean().default(false).describe('text output: a TIME column, wall-clock HH:MM:SS (upstream -T)'),
    timestamp: z.boolean().default(false).describe('text output: a TIME(s) column, seconds since the first session (upstream -t)'),
    wide: z.boolean().default(false).describe('text output: address columns wide enough for IPv6 (upstream -w)'),
    bufferKiB: ringBufferKiB(),
  })
  .strict()
  .superRefine(checkConnFilters);

export type TcplifeParams = z.output<typeof params>;

export function globalsFor(p: TcplifeParams): Globals {
  return connFilterGlobals(p);
}
