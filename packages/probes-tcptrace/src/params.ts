/**
 * tcptrace's parameters. A packet has a source and a destination, not a local and a remote end, so
 * the connection filters are `port` and `addr` matching either end; the task filters (pid, uid,
 * comm, cgroup, netns) select the flows those tasks send or read on. All run in the kernel
 * (`targ_*` globals of bpf/tcptrace.bpf.c, see `globalsFor`).
 */
import { z } from 'zod';
import {
  addrFilterGlobals,
  checkFamilyOf,
  cidr,
  family,
  familyGlobal,
  portFilterGlobals,
  portList,
  taskFilterGlobals,
  taskFilterShape,
  ringBufferKiB,
} from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

export const params = z
  .object({
    port: portList.default([]).describe('packets whose source or destination port is one of these (up to 8); [] = any'),
    addr: cidr.optional().describe('packets whose source or destination address is in this CIDR (IPv4 or IPv6); absent = any'),
    family: family.optional().describe('only IPv4 (4) or IPv6 (6) packets'),
    ...taskFilterShape,
    maxPackets: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(1000)
      .describe('timelines kept (the first ones to finish); histograms count every packet that passed the filters'),
    bufferKiB: ringBufferKiB(),
  })
  .strict()
  .superRefine((p, ctx) => checkFamilyOf(p.family, 'addr', p.addr, ctx));

export type TcptraceParams = z.output<typeof params>;

export function globalsFor(p: TcptraceParams): Globals {
  const task = taskFilterGlobals(p);
  return {
    ...portFilterGlobals('ports', p.port),
    ...addrFilterGlobals('addr', p.addr),
    ...familyGlobal(p.family),
    ...task,
    targ_learn: Object.keys(task).length > 0,
    targ_max_pkts: p.maxPackets,
  };
}
