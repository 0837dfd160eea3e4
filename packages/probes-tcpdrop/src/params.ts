/**
 * tcpdrop's parameters: upstream tcpdrop's options (bcc tools/tcpdrop.py: -4/-6) plus the common
 * address, port, netns and owner filters (the socket's cgroup: a drop without a socket matches no owner
 * filter), all applied in the kernel, and the shape of the report.
 */
import { z } from 'zod';
import { ownerBy, ownerFilterShape, taskFilterGlobals, taskFilterShape, tupleFilterGlobals, tupleFilterShape } from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

export const MAX_EVENT_LIMIT = 10_000;

export const params = z
  .object({
    ...tupleFilterShape,
    family: tupleFilterShape.family.describe('only IPv4 (4) or IPv6 (6) segments (upstream -4/-6); absent = both'),
    netns: taskFilterShape.netns.describe(
      'only drops in this network namespace: inode number or "pid:<n>" (the socket\'s namespace, or the device\'s when there is no socket)',
    ),
    ...ownerFilterShape,
    by: ownerBy.describe('also the drops per pod ("namespace/name") or per container ("namespace/pod/container") over every flow (`owners`), each carrying its `owner`; drops of no socket group apart'),
    skipNotSpecified: z
      .boolean()
      .default(false)
      .describe('leave out drops whose reason is NOT_SPECIFIED (upstream shows them; they are often noise)'),
    eventLimit: z
      .number()
      .int()
      .min(0)
      .max(MAX_EVENT_LIMIT)
      .default(200)
      .describe(`drops kept as individual events with state, flags and stack (upstream prints every one); 0..${MAX_EVENT_LIMIT}; all drops are counted regardless`),
    stacks: z.boolean().default(true).describe('collect kernel stacks (upstream always prints them)'),
    topStacks: z.number().int().min(0).max(200).default(10).describe('distinct kernel stacks in the report, most frequent first'),
    topFlows: z.number().int().min(0).max(1000).default(20).describe('flows in the report, most drops first'),
  })
  .strict();

export type TcpdropParams = z.output<typeof params>;

/** The rodata globals of bpf/tcpdrop.bpf.c; `skipReason` is NOT_SPECIFIED's value on this kernel. */
export function globalsFor(p: TcpdropParams, skipReason = 0): Globals {
  return {
    ...tupleFilterGlobals(p),
    ...taskFilterGlobals({ netns: p.netns }),
    targ_skip_reason: p.skipNotSpecified ? skipReason : 0,
    targ_max_events: p.eventLimit,
    targ_stacks: p.stacks,
  };
}
