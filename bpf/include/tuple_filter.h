/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The connection-tuple filters of a probe that honours all of them (family, lport/rport lists,
 * laddr/raddr CIDRs): the `const volatile targ_*` globals that probe-sdk's portFilterGlobals,
 * addrFilterGlobals and familyGlobal write, and one predicate over a struct sock_tuple.
 * Include it once per object; filters.h explains the encoding.
 */
#ifndef __SONDE_TUPLE_FILTER_H
#define __SONDE_TUPLE_FILTER_H

#include <vmlinux.h>
#include "filters.h"
#include "sock.h"

const volatile __u16 targ_lports[SONDE_MAX_PORTS] = {};
const volatile __u32 targ_lports_cnt = 0;
const volatile __u16 targ_rports[SONDE_MAX_PORTS] = {};
const volatile __u32 targ_rports_cnt = 0;
const volatile __u8 targ_laddr[16] = {};
const volatile __u16 targ_laddr_family = 0;
const volatile __u32 targ_laddr_prefix = 0;
const volatile __u8 targ_raddr[16] = {};
const volatile __u16 targ_raddr_family = 0;
const volatile __u32 targ_raddr_prefix = 0;
const volatile __u16 targ_family = 0;

/*
 * Every filter but the local port list: for an active open at CLOSE->SYN_SENT, where the local
 * port is not chosen yet (tcp_v4_connect sets SYN_SENT before inet_hash_connect picks it); such a
 * probe checks the full tuple_wanted() again once the handshake has ended.
 */
static __always_inline bool tuple_wanted_but_lport(const struct sock_tuple *t)
{
	return family_ok(targ_family, t->family) &&
	       port_in_list(targ_rports, targ_rports_cnt, t->rport) &&
	       addr_in_cidr(targ_laddr, targ_laddr_family, targ_laddr_prefix, t->family, t->laddr) &&
	       addr_in_cidr(targ_raddr, targ_raddr_family, targ_raddr_prefix, t->family, t->raddr);
}

static __always_inline bool tuple_wanted(const struct sock_tuple *t)
{
	return port_in_list(targ_lports, targ_lports_cnt, t->lport) && tuple_wanted_but_lport(t);
}

#endif /* __SONDE_TUPLE_FILTER_H */
