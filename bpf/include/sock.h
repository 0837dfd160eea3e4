/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The connection tuple of a socket, read with CO-RE so one object runs on every kernel
 * with BTF. Addresses are kept as 16 network-order bytes for both families (IPv4 in the
 * first 4 bytes, the rest zero), ports in host order, so filters (filters.h), map keys and
 * the user-side decoders (probe-sdk address.ts) all see one shape.
 */
#ifndef __SONDE_SOCK_H
#define __SONDE_SOCK_H

#include <vmlinux.h>
#include "layout.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

struct SONDE_SHARED sock_tuple {
	__u16 family; /* AF_INET or AF_INET6; v4-mapped IPv6 is folded to AF_INET */
	__u16 lport;  /* host order */
	__u16 rport;  /* host order */
	__u16 pad;
	__u8 laddr[16];
	__u8 raddr[16];
};

/* ::ffff:a.b.c.d */
static __always_inline bool addr_is_v4mapped(const __u8 *a)
{
	return !(a[0] | a[1] | a[2] | a[3] | a[4] | a[5] | a[6] | a[7] | a[8] | a[9]) &&
	       a[10] == 0xff && a[11] == 0xff;
}

static __always_inline void addr_unmap_v4(__u8 *a)
{
	a[0] = a[12]; a[1] = a[13]; a[2] = a[14]; a[3] = a[15];
	a[10] = 0; a[11] = 0; a[12] = 0; a[13] = 0; a[14] = 0; a[15] = 0;
}

/*
 * A dual-stack listener ([::]:port) talks IPv4 through an AF_INET6 socket whose addresses are
 * v4-mapped. On the wire that is IPv4, and users filter it with IPv4 CIDRs and `family: 4`:
 * report it as AF_INET.
 */
static __always_inline void sock_tuple_fold_v4mapped(struct sock_tuple *t)
{
	if (t->family != AF_INET6 || !addr_is_v4mapped(t->raddr) || !addr_is_v4mapped(t->laddr))
		return;
	addr_unmap_v4(t->laddr);
	addr_unmap_v4(t->raddr);
	t->family = AF_INET;
}

/*
 * Fill *t from a struct sock (any hook: tp_btf, raw_tp, iter). Returns false for
 * non-inet sockets. Fields come from sock_common so this also works on request and
 * timewait socks.
 */
static __always_inline bool sock_tuple_read(struct sock_tuple *t, const struct sock *sk)
{
	__builtin_memset(t, 0, sizeof(*t));
	t->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	t->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	t->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/*
	 * tcp_set_state(TCP_CLOSE) calls inet_put_port(), which zeroes inet_num, before the
	 * inet_sock_set_state tracepoint fires: at ->CLOSE only inet_sport still holds the local
	 * port (it is what the classic tracepoint record reports). Request and timewait socks
	 * always have skc_num set, so this read of a full-sock field only happens on full socks.
	 */
	if (!t->lport)
		t->lport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));

	if (t->family == AF_INET) {
		/* bpf_core_read with an explicit size: BPF_CORE_READ_INTO would use sizeof(laddr) = 16 */
		bpf_core_read(t->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(t->raddr, 4, &sk->__sk_common.skc_daddr);
		return true;
	}
	if (t->family == AF_INET6) {
		/* the fields only exist with CONFIG_IPV6; the relocation is dead code elsewhere */
		if (!bpf_core_field_exists(sk->__sk_common.skc_v6_daddr))
			return false;
		bpf_core_read(t->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(t->raddr, 16, &sk->__sk_common.skc_v6_daddr);
		sock_tuple_fold_v4mapped(t);
		return true;
	}
	return false;
}

/*
 * Fill *t from a classic tracepoint record that stores the endpoints as `__u8 saddr[28]` /
 * `daddr[28]` holding a struct sockaddr_in or sockaddr_in6 (TP_STORE_ADDR_PORTS: tcp_probe,
 * tcp_event_skb, ...). `saddr`/`daddr` point into the tracepoint context: they are read with
 * bpf_probe_read_kernel, because the verifier refuses loads through a ctx pointer whose
 * offset was moved (which is what a byte copy out of a CO-RE-relocated array turns into).
 */
static __always_inline bool sock_tuple_from_sockaddrs(struct sock_tuple *t, __u16 family,
						      __u16 sport, __u16 dport,
						      const void *saddr, const void *daddr)
{
	__builtin_memset(t, 0, sizeof(*t));
	t->family = family;
	t->lport = sport;
	t->rport = dport;

	if (family == AF_INET) {
		bpf_probe_read_kernel(t->laddr, 4, saddr + __builtin_offsetof(struct sockaddr_in, sin_addr));
		bpf_probe_read_kernel(t->raddr, 4, daddr + __builtin_offsetof(struct sockaddr_in, sin_addr));
		return true;
	}
	if (family == AF_INET6) {
		bpf_probe_read_kernel(t->laddr, 16, saddr + __builtin_offsetof(struct sockaddr_in6, sin6_addr));
		bpf_probe_read_kernel(t->raddr, 16, daddr + __builtin_offsetof(struct sockaddr_in6, sin6_addr));
		sock_tuple_fold_v4mapped(t);
		return true;
	}
	return false;
}

#endif /* __SONDE_SOCK_H */
