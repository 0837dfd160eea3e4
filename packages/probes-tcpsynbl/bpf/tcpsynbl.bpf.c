// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpsynbl: the accept-queue (SYN backlog, upstream's name) length of TCP listeners each time a
 * connection is added, as log2 histograms per listener and queue limit, plus the overflows.
 *
 *   tcpsynbl_state  tp_btf/inet_sock_set_state, LISTEN -> SYN_RECV: the child socket being created
 *                   by inet_csk_clone_lock() is a copy of the listener, so its sk_ack_backlog and
 *                   sk_max_ack_backlog are the listener's at that moment — the queue length before
 *                   this connection joins it (upstream reads the same at tcp_v4_syn_recv_sock).
 *
 * Overflows, one way per hook variant (user space loads one set):
 *   fentry   tcpsynbl_conn_request  fentry/tcp_conn_request(rsk_ops, af_ops, sk, skb): a SYN meets
 *            tcpsynbl_syn_recv4     a full accept queue; fentry/tcp_v4_syn_recv_sock and
 *            tcpsynbl_syn_recv6     tcp_v6_syn_recv_sock(sk, skb, ...): a completed handshake does.
 *                                   The same test as the kernel's sk_acceptq_is_full() where it bumps
 *                                   LINUX_MIB_LISTENOVERFLOWS: exactly what nstat's ListenOverflows counts.
 *   kprobe   tcpsynbl_kp_conn_request, tcpsynbl_kp_syn_recv4, tcpsynbl_kp_syn_recv6: the same on kprobes.
 *   With either, tcpsynbl_kfree (rx_sk, 6.11+) or tcpsynbl_kfree3 + tcpsynbl_(kp_)check_req (before) take the
 *   drops at tcp_v{4,6}_rcv off the listeners' drop counters (listenDrops, bpf/include/listeners.h).
 *   tp_btf   tcpsynbl_kfree  tp_btf/kfree_skb with reason TCP_LISTEN_OVERFLOW (value resolved from BTF
 *            by user space; 0 = not counted): a completing handshake found the queue full. rx_sk is
 *            the listener. SYNs refused while the queue is full are freed with consume_skb, not as
 *            drops: nstat's ListenOverflows also counts those, this variant cannot see them.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "tcpsynbl.h"
#include "filters.h"
#include "log2.h"
#include "maps.h"
#include "skb.h"
#include "sock.h"
#include "states.h"
#include "listen_overflow.h"
#include "listeners.h"
#include "owner_filter.h"

const volatile __u16 targ_family = 0;
const volatile __u16 targ_lports[SONDE_MAX_PORTS] = {};
const volatile __u32 targ_lports_cnt = 0;
const volatile __u32 targ_netns = 0;
const volatile __u32 targ_overflow_reason = 0;

/* filled by both handlers; read (never emptied) by user space at each interval and at the end */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPSYNBL_MAX_ENTRIES);
	__type(key, struct synbl_key);
	__type(value, struct synbl_val);
} backlogs SEC(".maps");

static const struct synbl_val val_init = {};

static __always_inline bool synbl_wanted(const struct sock *sk, __u16 family, __u16 lport)
{
	if (targ_netns && BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum) != targ_netns)
		return false;
	/* the listener's own cgroup: the container that listens */
	if (!sk_owner_allowed(sk))
		return false;
	return family_ok(targ_family, family) && port_in_list(targ_lports, targ_lports_cnt, lport);
}

/* listeners.h's filter: an AF_INET6 listener may take IPv4 too (dual-stack), so `family` 4 keeps it */
static __always_inline bool listener_wanted(const struct sock *sk, const struct sock_tuple *t, __u32 netns)
{
	if ((targ_netns && netns != targ_netns) || !sk_owner_allowed(sk))
		return false;
	return (family_ok(targ_family, t->family) || t->family == AF_INET6) &&
	       port_in_list(targ_lports, targ_lports_cnt, t->lport);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcpsynbl_state, struct sock *sk, int oldstate, int newstate)
{
	struct synbl_key key = {};
	struct synbl_val *v;
	struct sock_tuple t;
	__u64 backlog;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	/* listen(), in its caller's process context; and a listener's close */
	if (newstate == SONDE_TCP_LISTEN) {
		listener_note(sk, NULL, true);
		return 0;
	}
	if (oldstate == SONDE_TCP_LISTEN && newstate == SONDE_TCP_CLOSE) {
		listener_closed(sk);
		return 0;
	}
	if (oldstate != SONDE_TCP_LISTEN || newstate != SONDE_TCP_SYN_RECV)
		return 0;
	/* the child's tuple: its family is the connection's (v4 on a dual-stack listener folds to 4) */
	if (!sock_tuple_read(&t, sk) || !synbl_wanted(sk, t.family, t.lport))
		return 0;
	backlog = BPF_CORE_READ(sk, sk_ack_backlog);
	key.max_backlog = BPF_CORE_READ(sk, sk_max_ack_backlog);
	key.lport = t.lport;
	/* the child is a copy of its listener, cgroup included (sk_clone_lock) */
	key.cgroup = sk_cgroup_id(sk);
	v = map_lookup_or_try_init(&backlogs, &key, &val_init);
	if (!v)
		return 0;
	__sync_fetch_and_add(&v->slots[log2_slot(backlog, TCPSYNBL_MAX_SLOTS)], 1);
	__sync_fetch_and_add(&v->count, 1);
	__sync_fetch_and_add(&v->sum, backlog);
	/* read-compare-write: two CPUs at once can keep the smaller of two maxima (rare, and never above the truth) */
	if (backlog > v->max)
		v->max = backlog;
	return 0;
}

/* one overflow at listener sk; family: the segment's IP version (AF_INET/AF_INET6); syn: a SYN refused */
static __always_inline void count_overflow(struct sock *sk, __u16 family, bool syn)
{
	struct synbl_key key = {};
	struct synbl_val *v;

	key.lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (!synbl_wanted(sk, family, key.lport))
		return;
	listener_overflow(sk, syn);
	key.max_backlog = BPF_CORE_READ(sk, sk_max_ack_backlog);
	key.cgroup = sk_cgroup_id(sk);
	v = map_lookup_or_try_init(&backlogs, &key, &val_init);
	if (v)
		__sync_fetch_and_add(&v->overflows, 1);
}

static __always_inline int on_conn_request(void *ctx, struct sock *sk, struct sk_buff *skb)
{
	if (conn_request_overflows(sk))
		count_overflow(sk, skb_ip_family(skb), true);
	return 0;
}

static __always_inline int on_syn_recv_sock(struct sock *sk, struct sk_buff *skb, bool v6)
{
	__u16 family = skb_ip_family(skb);

	/* tcp_v6_syn_recv_sock hands a v4 segment (v4-mapped) to tcp_v4_syn_recv_sock: counted there */
	if (v6 && family == AF_INET)
		return 0;
	if (sk_acceptq_full(sk))
		count_overflow(sk, family, false);
	return 0;
}

SONDE_OVERFLOW_HOOKS(fentry, on_conn_request, on_syn_recv_sock, tcpsynbl_conn_request, tcpsynbl_syn_recv4, tcpsynbl_syn_recv6)
SONDE_OVERFLOW_HOOKS(kprobe, on_conn_request, on_syn_recv_sock, tcpsynbl_kp_conn_request, tcpsynbl_kp_syn_recv4, tcpsynbl_kp_syn_recv6)

SEC("tp_btf/kfree_skb")
int BPF_PROG(tcpsynbl_kfree, struct sk_buff *skb, void *location, enum skb_drop_reason reason, struct sock *rx_sk)
{
	struct skb_tcp hdr;
	__u16 family;

	listener_rx_drop(rx_sk, skb, (__u64)location);
	if (!targ_overflow_reason || reason != targ_overflow_reason || !rx_sk)
		return 0;
	/* the segment's IP version: a dual-stack listener is AF_INET6 for IPv4 clients too */
	family = skb_tcp_read(&hdr, skb) ? hdr.family : BPF_CORE_READ(rx_sk, __sk_common.skc_family);
	count_overflow(rx_sk, family, false);
	return 0;
}

/* before 6.11: no rx_sk, so the segment tcp_check_req() handles names the listener of a drop that follows */
SEC("tp_btf/kfree_skb")
int BPF_PROG(tcpsynbl_kfree3, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	listener_rx_drop(NULL, skb, (__u64)location);
	return 0;
}

SONDE_CHECK_REQ_HOOK(fentry, tcpsynbl_check_req)
SONDE_CHECK_REQ_HOOK(kprobe, tcpsynbl_kp_check_req)

SEC("iter/task_file")
int tcpsynbl_listeners(struct bpf_iter__task_file *ctx)
{
	return listeners_pass(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
