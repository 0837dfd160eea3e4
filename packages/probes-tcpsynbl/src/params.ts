/**
 * tcpsynbl's parameters: upstream tcpsynbl's options (libbpf-tools/tcpsynbl.c: -4/-6, interval)
 * plus listener port, netns and owner filters (the listener's cgroup: whose listener), all applied in the kernel.
 */
import { z } from 'zod';
import { family, familyGlobal, ownerFilterShape, portFilterGlobals, portList, taskFilterGlobals, taskFilterShape } from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

export const params = z
  .object({
    family: family.optional().describe('only IPv4 (4) or IPv6 (6) connections (upstream -4/-6); IPv4 on a dual-stack listener counts as 4'),
    lport: portList.default([]).describe('only listeners on this local port or list of up to 8; [] = every listener'),
    netns: taskFilterShape.netns.describe('only listeners in this network namespace: inode number or "pid:<n>"'),
    ...ownerFilterShape,
    intervalMs: z
      .number()
      .int()
      .min(100, 'intervalMs is at least 100')
      .optional()
      .describe('also report what each interval of this many ms added (upstream interval); absent = one summary at the end'),
  })
  .strict();

export type TcpsynblParams = z.output<typeof params>;

/** rodata globals of bpf/tcpsynbl.bpf.c; `overflowReason` is TCP_LISTEN_OVERFLOW's value on this kernel (0: none) */
export function globalsFor(p: TcpsynblParams, overflowReason: number): Globals {
  return {
    ...familyGlobal(p.family),
    ...portFilterGlobals('lports', p.lport),
    ...taskFilterGlobals({ netns: p.netns }),
    targ_overflow_reason: overflowReason,
  };
}
