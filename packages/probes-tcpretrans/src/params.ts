/**
 * tcpretrans' parameters: upstream tcpretrans' options (bcc tools/tcpretrans.py) plus every common
 * filter. Upstream -c is `count`, -s `sequence`, -4/-6 `family`, -l `tlp` (where fentry or kprobes exist; refused with the reason elsewhere).
 */
import { z } from 'zod';
import { checkConnFilters, connFilterGlobals, connFilterShape, ownerBy, ringBufferKiB } from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

export const TLP_UNAVAILABLE =
  'tail-loss probes (upstream -l) are only visible from fentry/fexit or a kprobe on tcp_send_loss_probe (there is no tracepoint for them), and this kernel allows neither (no kprobes, fentry refused)';

export const params = z
  .object({
    ...connFilterShape,
    count: z.boolean().default(false).describe('count mode (upstream -c): only the per-flow table, no events; the table is in every result anyway'),
    sequence: z.boolean().default(false).describe('text output: a SEQ column with the sequence number of each retransmit (upstream -s)'),
    tlp: z
      .boolean()
      .default(false)
      .describe('tail-loss probes too (upstream -l): needs fentry or kprobes on tcp_send_loss_probe; where neither exists the job is refused (422) with the reason'),
    by: ownerBy.describe('also the counts per pod ("namespace/name") or per container ("namespace/pod/container"), each carrying its `owner` (`owners` in the result)'),
    bufferKiB: ringBufferKiB(),
  })
  .strict()
  .superRefine(checkConnFilters);

export type TcpretransParams = z.output<typeof params>;

export function globalsFor(p: TcpretransParams): Globals {
  return { ...connFilterGlobals(p), targ_count: p.count, targ_tlp: p.tlp };
}
