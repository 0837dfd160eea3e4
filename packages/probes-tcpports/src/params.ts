/**
 * tcpports' parameters. There is no upstream tool: this answers "how close is this host to running
 * out of ephemeral ports" without `ss` walking every socket in user space.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { family, familyGlobal, ownerFilterShape } from '@sonde/probe-sdk';
import type { Globals } from './layout.gen.js';

export const params = z
  .object({
    family: family.optional().describe('only IPv4 (4) or IPv6 (6) sockets; v4-mapped IPv6 sockets count as IPv4; absent = both'),
    intervalMs: z
      .number()
      .int()
      .min(20, 'intervalMs is at least 20')
      .optional()
      .describe('take a snapshot every this many ms until the job ends (a series); absent = one snapshot, and the job ends at once'),
    topRemotes: z.number().int().min(0).max(1000).default(10).describe('remote endpoints in the report, most connections first'),
    topOwners: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(10)
      .describe('owners (cgroups: containers, pods, services) in the report, most sockets on ephemeral ports first, each with its `owner`'),
    ...ownerFilterShape,
    portRange: z
      .tuple([z.number().int().min(1).max(65535), z.number().int().min(1).max(65535)])
      .refine(([lo, hi]) => lo <= hi, 'portRange is [low, high] with low <= high')
      .optional()
      .describe('the ephemeral range to measure, [low, high]; absent = net.ipv4.ip_local_port_range of the namespace sonde runs in'),
  })
  .strict();

export type TcpportsParams = z.output<typeof params>;

/** net.ipv4.ip_local_port_range of the current network namespace */
export function localPortRange(path = '/proc/sys/net/ipv4/ip_local_port_range'): [number, number] {
  const [lo, hi] = readFileSync(path, 'utf8').trim().split(/\s+/).map(Number);
  if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw new Error(`cannot parse ${path}`);
  return [lo!, hi!];
}

export function globalsFor(p: TcpportsParams, range: [number, number]): Globals {
  return { ...familyGlobal(p.family), targ_port_lo: range[0], targ_port_hi: range[1] };
}
