/**
 * tcptracer's parameters: upstream tcptracer's options (libbpf-tools/tcptracer.c, bcc
 * tools/tcptracer.py) plus every common filter. Upstream -p is `pid`, -u `uid`, -N `netns`,
 * -t `timestamp`, -v `verbose`, -4/-6 `family`.
 */
import { z } from 'zod';
import { checkConnFilters, connFilterGlobals, connFilterShape, ringBufferKiB } from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

export const params = z
  .object({
    ...connFilterShape,
    timestamp: z.boolean().default(false).describe('text output: a TIME(s) column, seconds since the first event (upstream -t)'),
    verbose: z.boolean().default(false).describe('text output: a NETNS column (upstream -v)'),
    bufferKiB: ringBufferKiB(),
  })
  .strict()
  .superRefine(checkConnFilters);

export type TcptracerParams = z.output<typeof params>;

export function globalsFor(p: TcptracerParams): Globals {
  return connFilterGlobals(p);
}
