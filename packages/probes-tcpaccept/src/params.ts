/**
 * tcpaccept's parameters: upstream tcpaccept's options (tools/tcpaccept.py) as a zod schema. Filters
 * map to `const volatile targ_*` globals of bpf/tcpaccept.bpf.c and task.h (see `globalsFor`);
 * `time` and `timestamps` only shape the text output.
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
    pid: pid.optional().describe('only accepts by this process (tgid) (upstream -p); absent = any'),
    uid: uid.optional().describe('only accepts by this user id; absent = any'),
    comm: comm.optional().describe('only accepts by tasks with exactly this name; absent = any'),
    cgroup: cgroup.optional().describe('only accepts by tasks in this cgroup v2 path (upstream --cgroupmap); absent = any'),
    netns: netns.optional().describe('only sockets in this network namespace: inode or "pid:<n>"; absent = any'),
    lport: portList.default([]).describe('local (listening) port or list of up to 8 (upstream -P); [] = every port'),
    rport: portList.default([]).describe('remote (peer) port or list of up to 8; [] = every port'),
    laddr: cidr.optional().describe('local address or CIDR, IPv4 or IPv6; absent = any'),
    raddr: cidr.optional().describe('remote (peer) address or CIDR, IPv4 or IPv6; absent = any'),
    family: family.optional().describe('only IPv4 (4) or IPv6 (6) connections (upstream -4/-6); v4-mapped IPv6 counts as IPv4'),
    time: z.boolean().default(false).describe('text output: show the time of day HH:MM:SS, UTC (upstream -T)'),
    timestamps: z.boolean().default(false).describe('text output: show seconds since the first event (upstream -t)'),
  })
  .strict();

export type TcpacceptParams = z.output<typeof params>;

export function globalsFor(p: TcpacceptParams): Record<string, GlobalValue> {
  return {
    ...taskFilterGlobals(p),
    ...portFilterGlobals('lports', p.lport),
    ...portFilterGlobals('rports', p.rport),
    ...addrFilterGlobals('laddr', p.laddr),
    ...addrFilterGlobals('raddr', p.raddr),
    ...familyGlobal(p.family),
  };
}
