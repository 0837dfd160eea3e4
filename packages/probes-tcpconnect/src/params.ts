/**
 * tcpconnect's parameters: upstream tcpconnect's options (libbpf-tools/tcpconnect.c, tools/tcpconnect.py)
 * as a zod schema. Filters map to `const volatile targ_*` globals of bpf/tcpconnect.bpf.c and
 * bpf/include/task.h (see `globalsFor`); `count` switches the kernel to aggregation; `sourcePort`,
 * `printUid` and `timestamps` only shape the text output (the JSON always has every field).
 */
import { z } from 'zod';
import {
  addrFilterGlobals,
  cidr,
  comm,
  cgroup,
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
    pid: pid.optional().describe('only connects made by this process (tgid) (upstream -p); absent = any'),
    uid: uid.optional().describe('only connects made by this user id (upstream -u); absent = any'),
    comm: comm.optional().describe('only connects made by tasks with exactly this name; absent = any'),
    cgroup: cgroup.optional().describe('only connects made by tasks in this cgroup v2 path (upstream --cgroupmap); absent = any'),
    netns: netns.optional().describe('only sockets in this network namespace: inode or "pid:<n>"; absent = any'),
    rport: portList.default([]).describe('remote (destination) port or list of up to 8 (upstream -P); [] = every port'),
    lport: portList.default([]).describe('local (source) port or list of up to 8; [] = every port'),
    laddr: cidr.optional().describe('local address or CIDR, IPv4 or IPv6; absent = any'),
    raddr: cidr.optional().describe('remote address or CIDR, IPv4 or IPv6; absent = any'),
    family: family.optional().describe('only IPv4 (4) or IPv6 (6) connects (upstream -4/-6); v4-mapped IPv6 counts as IPv4'),
    count: z
      .boolean()
      .default(false)
      .describe('count connects per (laddr, raddr, rport) in the kernel instead of streaming events (upstream -c)'),
    sourcePort: z.boolean().default(false).describe('text output: show the source (local) port column (upstream -s)'),
    printUid: z.boolean().default(false).describe('text output: show the UID column (upstream -U)'),
    timestamps: z.boolean().default(false).describe('text output: show seconds since the first event (upstream -t)'),
  })
  .strict();

export type TcpconnectParams = z.output<typeof params>;

/** The rodata globals of bpf/tcpconnect.bpf.c (and task.h) for these params. */
export function globalsFor(p: TcpconnectParams): Record<string, GlobalValue> {
  return {
    ...taskFilterGlobals(p),
    ...portFilterGlobals('lports', p.lport),
    ...portFilterGlobals('rports', p.rport),
    ...addrFilterGlobals('laddr', p.laddr),
    ...addrFilterGlobals('raddr', p.raddr),
    ...familyGlobal(p.family),
    targ_count: p.count,
  };
}
