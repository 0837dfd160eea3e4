/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Common in-kernel filters, driven by `const volatile targ_*` globals that the loader writes
 * into .rodata before load. Because .rodata is frozen, the verifier knows their values and
 * prunes the branches of filters that are off: an unused filter costs nothing at run time.
 *
 * Naming convention (probe-sdk filters.ts produces exactly these globals):
 *   targ_<x>ports[SONDE_MAX_PORTS] __u16 host-order ports, targ_<x>ports_cnt __u32 (0 = off)
 *   targ_<x>addr[16]               __u8 network-order address (IPv4 in the first 4 bytes)
 *   targ_<x>addr_family            __u16 AF_INET / AF_INET6 (0 = off)
 *   targ_<x>addr_prefix            __u32 prefix length in bits (0..32 / 0..128)
 *   targ_family                    __u16 AF_INET / AF_INET6 (0 = any)
 */
#ifndef __SONDE_FILTERS_H
#define __SONDE_FILTERS_H

#include <vmlinux.h>

#define SONDE_MAX_PORTS 8

/* true when no list is set (cnt == 0) or port is in the first cnt entries */
static __always_inline bool port_in_list(const volatile __u16 *ports, __u32 cnt, __u16 port)
{
	if (!cnt)
		return true;
#pragma unroll
	for (int i = 0; i < SONDE_MAX_PORTS; i++) {
		if (i >= cnt)
			break;
		if (ports[i] == port)
			return true;
	}
	return false;
}

static __always_inline bool family_ok(__u16 want, __u16 family)
{
	return !want || want == family;
}

/*
 * CIDR match of a 16-byte address against net/prefix. Verifier-friendly on purpose (the trap
 * behind bcc #5090): no memcmp, no loop bound or array index taken from data, no
 * variable-offset access: a fully unrolled byte loop with constant indices, comparing
 * (addr ^ net) under a per-byte mask derived from the prefix. A family mismatch never matches.
 */
static __always_inline bool addr_in_cidr(const volatile __u8 *net, __u16 net_family, __u32 prefix,
					 __u16 family, const __u8 *addr)
{
	if (!net_family)
		return true;
	if (family != net_family)
		return false;
#pragma unroll
	for (int i = 0; i < 16; i++) {
		int bits = (int)prefix - 8 * i;
		__u8 mask;

		if (bits <= 0)
			break;
		mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));
		if ((addr[i] ^ net[i]) & mask)
			return false;
	}
	return true;
}

#endif /* __SONDE_FILTERS_H */
