/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The accept-queue overflow tests the kernel makes where it bumps LINUX_MIB_LISTENOVERFLOWS
 * (nstat's TcpExtListenOverflows), for programs at the entry of those functions (fentry/kprobe):
 *
 *   tcp_conn_request()      a SYN: if the SYN queue is full (or syncookies=2) and syncookies are off,
 *                           the SYN is dropped first without counting; otherwise a full accept queue
 *                           (sk_acceptq_is_full) counts one overflow and drops the SYN.
 *   tcp_v{4,6}_syn_recv_sock() a completed handshake: a full accept queue counts one overflow.
 *
 * sk_acceptq_is_full(sk) is sk_ack_backlog > sk_max_ack_backlog. Read at function entry: a concurrent
 * accept() between the entry and the kernel's own test can make the two disagree (rare).
 * Not covered: the SYN-queue test's `!isn` exception (a SYN reusing a TIME_WAIT socket with syncookies
 * off and the SYN queue full), and SMC's own listener (smc_tcp_syn_recv_sock).
 *
 *   SONDE_OVERFLOW_HOOKS(kind, conn_request, syn_recv, cr_prog, v4_prog, v6_prog)
 *       the three entry hooks (kind fentry or kprobe), calling conn_request(ctx, sk, skb) for a SYN and
 *       syn_recv(sk, skb, v6) for a completed handshake; the includer writes both handlers.
 */
#ifndef __SONDE_LISTEN_OVERFLOW_H
#define __SONDE_LISTEN_OVERFLOW_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "sock.h"
#include "hooks.h"

#ifndef ETH_P_IP
#define ETH_P_IP 0x0800
#endif
#ifndef ETH_P_IPV6
#define ETH_P_IPV6 0x86DD
#endif

static __always_inline bool sk_acceptq_full(const struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_ack_backlog) > BPF_CORE_READ(sk, sk_max_ack_backlog);
}

/* the IP version of a received segment from skb->protocol; 0 when neither */
static __always_inline __u16 skb_ip_family(const struct sk_buff *skb)
{
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));

	return proto == ETH_P_IP ? AF_INET : proto == ETH_P_IPV6 ? AF_INET6 : 0;
}

/* at tcp_conn_request(): will this SYN count as a listen overflow? */
static __always_inline bool conn_request_overflows(struct sock *sk)
{
	struct inet_connection_sock *icsk = (struct inet_connection_sock *)sk;
	__u8 syncookies = BPF_CORE_READ(sk, __sk_common.skc_net.net, ipv4.sysctl_tcp_syncookies);
	__u32 max = BPF_CORE_READ(sk, sk_max_ack_backlog);

	/* inet_csk_reqsk_queue_is_full() without syncookies: dropped before the accept-queue test */
	if (!syncookies && (__u32)BPF_CORE_READ(icsk, icsk_accept_queue.qlen.counter) >= max)
		return false;
	return sk_acceptq_full(sk);
}

#define SONDE_OVERFLOW_HOOKS(kind, conn_request, syn_recv, cr_prog, v4_prog, v6_prog)                          \
	SONDE_HOOK_##kind(tcp_conn_request)(cr_prog, struct request_sock_ops *rsk_ops,                       \
					    const struct tcp_request_sock_ops *af_ops, struct sock *sk,       \
					    struct sk_buff *skb)                                              \
	{                                                                                                  \
		return conn_request(ctx, sk, skb);                                                         \
	}                                                                                                  \
	SONDE_HOOK_##kind(tcp_v4_syn_recv_sock)(v4_prog, struct sock *sk, struct sk_buff *skb)             \
	{                                                                                                  \
		return syn_recv(sk, skb, false);                                                           \
	}                                                                                                  \
	SONDE_HOOK_##kind(tcp_v6_syn_recv_sock)(v6_prog, struct sock *sk, struct sk_buff *skb)             \
	{                                                                                                  \
		return syn_recv(sk, skb, true);                                                            \
	}

#endif /* __SONDE_LISTEN_OVERFLOW_H */
