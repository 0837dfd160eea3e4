/**
 * tcpconnlat's parameters: upstream tcpconnlat's options (libbpf-tools/tcpconnlat.c) as a zod schema.
 * Filters and `minUs` map to `const volatile targ_*` globals of bpf/tcpconnlat.bpf.c and task.h
 * (see `globalsFor`); `showLport` and `timestamps` only shape the text output.
 */
import { z } from 'zod';
import {
  addrFilterGlobals,
  cgroup,
  cidr,
  comm,
  family,
  familyGlobal,
  netns,
  pid,
  portFilterGlobals,
  portList,
  taskFilterGlobals,
  uid,
  type GlobalValue,
} from '@sonde/probe-sdk';

export const params = z
  .object({
    minUs: z
      .number()
      .int()
      .min(0)
      .max(600_000_000)
      .default(0)
      .describe('only report connects at least this slow, in µs (upstream min_us / -m ms); the histograms still count every connect'),
    pid: pid.optional().describe('only connects made by this process (tgid) (upstream -p); absent = any'),
    uid: uid.optional().describe('only connects made by this user id; absent = any'),
    comm: comm.optional().describe('only connects made by tasks with exactly this name; absent = any'),
    cgroup: cgroup.optional().describe('only connects made by tasks in this cgroup v2 path; absent = any'),
    netns: netns.optional().describe('only sockets in this network namespace: inode or "pid:<n>"; absent = any'),
    rport: portList.default([]).describe('remote (destination) port or list of up to 8; [] = every port'),
    lport: portList.default([]).describe('local (source) port or list of up to 8; [] = every port'),
    laddr: cidr.optional().describe('local address or CIDR, IPv4 or IPv6; absent = any'),
    raddr: cidr.optional().describe('remote address or CIDR, IPv4 or IPv6; absent = any'),
    family: family.optional().describe('only IPv4 (4) or IPv6 (6) connects; v4-mapped IPv6 counts as IPv4'),
    showLport: z.boolean().default(false).describe('text output: show the LPORT column (upstream -L)'),
    timestamps: z.boolean().default(false).describe('text output: show seconds since the first event (upstream -t)'),
  })
  .strict();

export type TcpconnlatParams = z.output<typeof params>;

export function globalsFor(p: TcpconnlatParams): Record<string, GlobalValue> {
  return {
    ...taskFilterGlobals(p),
    ...portFilterGlobals('lports', p.lport),
    ...portFilterGlobals('rports', p.rport),
    ...addrFilterGlobals('laddr', p.laddr),
    ...addrFilterGlobals('raddr', p.raddr),
    ...familyGlobal(p.family),
    targ_min_us: BigInt(p.minUs),
  };
}
