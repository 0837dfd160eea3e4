/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The netns filter alone: targ_netns (probe-sdk `taskFilterGlobals` writes it; 0 = every namespace)
 * and the socket's namespace. task.h includes it with the other task filters; a probe that needs
 * only this one (tcprtt) includes it without task.h's owner map.
 */
#ifndef __SONDE_NETNS_H
#define __SONDE_NETNS_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

const volatile __u32 targ_netns = 0;

static __always_inline __u32 sk_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

static __always_inline bool netns_allowed(const struct sock *sk)
{
	return !targ_netns || sk_netns(sk) == targ_netns;
}

#endif /* __SONDE_NETNS_H */
