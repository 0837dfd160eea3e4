/**
 * tcpsubnet's parameters: upstream tcpsubnet's options (tools/tcpsubnet.py) as a zod schema. The
 * subnet list becomes the ordered rodata arrays of bpf/tcpsubnet.bpf.c (`globalsFor`); the common
 * filters map to tuple_filter.h + task.h. `units` is upstream -f, `intervalMs` -i, `json` -J.
 */
import { z } from 'zod';
import { checkConnFilters, connFilterGlobals, connFilterShape, familyToAf, formatAddr, isOwnerBy, ownerBy, parseCidr } from '@sonde/probe-sdk';
import { globals, type Globals } from './layout.gen.js';

export const DEFAULT_SUBNETS = ['127.0.0.1/32', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '0.0.0.0/0'];
/** TCPSUBNET_MAX_NETS: the kernel's ordered list holds this many subnets; slot MAX_SUBNETS counts sends matching none */
export const MAX_SUBNETS = globals.targ_net_prefix.length;

const subnetList = z
  .union([z.string(), z.array(z.string())], { error: 'subnets is a comma-separated string or an array of CIDRs' })
  .transform((v, ctx) => {
    const list = (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
    if (list.length === 0 || list.length > MAX_SUBNETS) {
      ctx.issues.push({ code: 'custom', input: v, message: `give 1..${MAX_SUBNETS} subnets (the kernel-side list holds ${MAX_SUBNETS}), got ${list.length}` });
      return z.NEVER;
    }
    const out: string[] = [];
    for (const s of list) {
      try {
        const c = parseCidr(s);
        out.push(`${formatAddr(c.family, c.addr)}/${c.prefix}`);
      } catch (e) {
        ctx.issues.push({ code: 'custom', input: v, message: (e as Error).message });
        return z.NEVER;
      }
    }
    return out;
  });

export const UNITS = { b: 'bits', k: 'Kbits', m: 'Mbits', B: 'bytes', K: 'KBytes', M: 'MBytes' } as const;
export type UnitLetter = keyof typeof UNITS;

export const params = z
  .object({
    subnets: subnetList
      .default(DEFAULT_SUBNETS)
      .describe(
        `ordered list of destination subnets (CIDR, IPv4 or IPv6; array or comma-separated), up to ${MAX_SUBNETS}; ` +
          'the first that contains the remote address counts the bytes (upstream positional subnets; default ' +
          DEFAULT_SUBNETS.join(',') +
          ')',
      ),
    units: z
      .enum(['b', 'k', 'm', 'B', 'K', 'M'])
      .default('B')
      .describe('report in bits, Kbits, Mbits, bytes, KBytes or MBytes (b/k/m/B/K/M, upstream -f); JSON always keeps exact bytes too'),
    intervalMs: z.number().int().min(100, 'intervalMs is at least 100').default(1000).describe('one report per interval of this many ms (upstream -i, 1 s)'),
    json: z.boolean().default(false).describe('text output: one JSON line per interval, as upstream -J'),
    by: ownerBy.describe(
      'none: one row per subnet (upstream); pod / container: one row per subnet and sending pod ("namespace/name") or container ("namespace/pod/container"), each carrying its `owner`',
    ),
    ...connFilterShape,
  })
  .strict()
  .superRefine(checkConnFilters);

export type TcpsubnetParams = z.output<typeof params>;

/** The rodata globals of bpf/tcpsubnet.bpf.c: the list as parallel arrays (host order, as rodata is), then the common filters. */
export function globalsFor(p: TcpsubnetParams): Globals {
  const nets = p.subnets.map((s) => parseCidr(s));
  const addrs = new Uint8Array(16 * MAX_SUBNETS); // __u8 targ_nets[MAX_NETS][16]
  nets.forEach((c, i) => addrs.set(c.addr, 16 * i));
  const prefix = Uint32Array.from({ length: MAX_SUBNETS }, (_, i) => nets[i]?.prefix ?? 0);
  const fam = Uint16Array.from({ length: MAX_SUBNETS }, (_, i) => (nets[i] ? familyToAf(nets[i].family) : 0));
  return {
    targ_nets: addrs,
    targ_net_prefix: new Uint8Array(prefix.buffer),
    targ_net_family: new Uint8Array(fam.buffer),
    targ_nnets: p.subnets.length,
    targ_by_owner: isOwnerBy(p.by),
    ...connFilterGlobals(p),
  };
}
