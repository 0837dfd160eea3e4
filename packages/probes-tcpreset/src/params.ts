/**
 * tcpreset's parameters: every common filter (the tuple, the process, the owner) and the size of the
 * tables it returns.
 */
import { z } from 'zod';
import { checkConnFilters, connFilterGlobals, connFilterShape, ownerFilterShape, ringBufferKiB } from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

export const params = z
  .object({
    ...connFilterShape,
    ...ownerFilterShape,
    topFlows: z.number().int().min(1).max(8192).default(100).describe('the flows with most resets to list (all are counted in total and reasons)'),
    bufferKiB: ringBufferKiB(),
  })
  .strict()
  .superRefine(checkConnFilters);

export type TcpresetParams = z.output<typeof params>;

export function globalsFor(p: TcpresetParams): Globals {
  return connFilterGlobals(p);
}
