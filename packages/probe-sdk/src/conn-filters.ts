/**
 * Every common filter at once, for probes over connections that honour them all (state
 * changes, sessions, retransmits, ...): the zod shape to spread into a probe's params, the
 * cross-field checks (laddr/raddr/family must agree), and the encoder into the globals of
 * bpf/include/tuple_filter.h + task.h. The tuple part alone (tupleFilterShape, tupleFilterGlobals)
 * is for probes whose hook has no owning task to filter on (an RTT sample on the softirq receive path).
 */
import { z } from 'zod';
import { parseCidr } from './address.js';
import { addrFilterGlobals, cidr, family, familyGlobal, portFilterGlobals, portList } from './filters.js';
import type { GlobalValue } from './kernel.js';
import { taskFilterGlobals, taskFilterShape, type TaskFilterParams } from './task-filters.js';

/** the filters of bpf/include/tuple_filter.h: ports, addresses, family */
export const tupleFilterShape = {
  lport: portList.default([]).describe('local port or list of up to 8; [] = every port'),
  rport: portList.default([]).describe('remote port or list of up to 8; [] = every port'),
  laddr: cidr.optional().describe('local address or CIDR, IPv4 or IPv6 (e.g. 10.0.0.0/8); absent = any'),
  raddr: cidr.optional().describe('remote address or CIDR, IPv4 or IPv6; absent = any'),
  family: family.optional().describe('only IPv4 (4) or IPv6 (6) sockets (upstream -4/-6); v4-mapped IPv6 counts as IPv4'),
};

export const connFilterShape = {
  ...tupleFilterShape,
  ...taskFilterShape,
};

export interface TupleFilterParams {
  lport: number[];
  rport: number[];
  laddr?: string | undefined;
  raddr?: string | undefined;
  family?: 4 | 6 | undefined;
}

export interface ConnFilterParams extends TupleFilterParams, TaskFilterParams {}

function cidrFamily(s: string | undefined): 4 | 6 | undefined {
  if (s === undefined) return undefined;
  try {
    return parseCidr(s).family;
  } catch {
    return undefined; // the field's own schema reports it
  }
}

/** superRefine body: reject address/family combinations no socket can match */
export function checkConnFilters(p: Pick<ConnFilterParams, 'laddr' | 'raddr' | 'family'>, ctx: z.RefinementCtx): void {
  const l = cidrFamily(p.laddr);
  const r = cidrFamily(p.raddr);
  if (l && r && l !== r) {
    ctx.addIssue({ code: 'custom', path: ['raddr'], message: `laddr is IPv${l} and raddr is IPv${r}: no connection matches both` });
  }
  checkFamilyOf(p.family, 'laddr', p.laddr, ctx);
  checkFamilyOf(p.family, 'raddr', p.raddr, ctx);
}

/** superRefine part: reject a `family` that the address filter `key` (an IPv4 or IPv6 CIDR) excludes */
export function checkFamilyOf(family: 4 | 6 | undefined, key: string, addr: string | undefined, ctx: z.RefinementCtx): void {
  const f = cidrFamily(addr);
  if (family && f && f !== family) {
    ctx.addIssue({ code: 'custom', path: ['family'], message: `family ${family} excludes the IPv${f} ${key} filter` });
  }
}

/** globals of tuple_filter.h */
export function tupleFilterGlobals(p: TupleFilterParams): Record<string, GlobalValue> {
  return {
    ...portFilterGlobals('lports', p.lport),
    ...portFilterGlobals('rports', p.rport),
    ...addrFilterGlobals('laddr', p.laddr),
    ...addrFilterGlobals('raddr', p.raddr),
    ...familyGlobal(p.family),
  };
}

/** globals of tuple_filter.h and task.h */
export function connFilterGlobals(p: ConnFilterParams): Record<string, GlobalValue> {
  return { ...tupleFilterGlobals(p), ...taskFilterGlobals(p) };
}
