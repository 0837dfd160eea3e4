// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpdrop: TCP segments the kernel frees as drops, counted in the kernel by drop reason, by flow and
 * by kernel stack, plus the first targ_max_events drops as events (bcc's tcpdrop prints every one).
 *
 *   tcpdrop_kfree_skb   tp_btf/kfree_skb(skb, location, reason, rx_sk): every kfree_skb_reason() that
 *                       is a drop (consume_skb has its own tracepoint). 6.11+ passes rx_sk, the socket
 *                       of an inbound drop that skb->sk does not carry yet.
 *   tcpdrop_kfree_skb3  tp_btf/kfree_skb(skb, location, reason): the same before 6.11 (reasons are
 *                       5.17+). No rx_sk: an inbound drop before the segment is attached to a socket
 *                       has only the skb's own socket (mostly none: tuple from the headers).
 *
 * Only one of the two is loaded (the hook variant whose argument count the kernel's BTF matches).
 *
 * Listen overflows (a SYN or a completed handshake refused because the accept queue is full; nstat's
 * TcpExtListenOverflows). A refused SYN is consumed, not freed as a drop: kfree_skb never sees it.
 *   fentry  tcpdrop_conn_request (tcp_conn_request: the kernel's own test, listen_overflow.h) records
 *   kprobe  the SYN as a drop with reason targ_overflow_reason; tcpdrop_syn_recv4/6 (tcp_v{4,6}_syn_recv_sock)
 *           mark the completed handshake's skb in ovf_mark so the *_hooked kfree_skb handlers name its drop
 *           TCP_LISTEN_OVERFLOW (6.1 and 6.12 free it as NOT_SPECIFIED).
 *   neither (6.18 here): completed handshakes by the drop reason; SYNs from each listener's own drop
 *           counter over the job (bpf/include/listeners.h, tcpdrop_listeners and tcpdrop_state).
 * targ_overflow_reason is TCP_LISTEN_OVERFLOW's value, or one user space names so where the kernel has none.
 *
 * TCP only: the skb's own socket is TCP, or its headers carry TCP (segments with no socket: a SYN to
 * a closed port, drops at tc ingress, RSTs sent from the kernel's control socket).
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "tcpdrop.h"
#include "maps.h"
#include "skb.h"
#include "sock.h"
#include "states.h"
#include "task.h"
#include "tuple_filter.h"
#include "events.h"
#include "listen_overflow.h"
#include "listeners.h"

/* common filters: the tuple globals and tuple_wanted() of tuple_filter.h, targ_netns of task.h */
/* a reason value not to count (NOT_SPECIFIED, resolved from BTF by user space); 0 = count all */
const volatile __u32 targ_skip_reason = 0;
/* drops sent as events; the rest are only counted */
const volatile __u32 targ_max_events = 0;
const volatile bool targ_stacks = true;
/* the reason a listen overflow is counted under (see the top) */
const volatile __u32 targ_overflow_reason = 0;

/* listeners.h's filter: the local side of the tuple filters (a listener has no remote side) */
static __always_inline bool listener_wanted(const struct sock *sk, const struct sock_tuple *t, __u32 netns)
{
	if ((targ_netns && netns != targ_netns) || !sk_owner_allowed(sk))
		return false;
	/* an AF_INET6 listener may take IPv4 too (dual-stack): `family` 4 keeps it */
	return (family_ok(targ_family, t->family) || t->family == AF_INET6) &&
	       port_in_list(targ_lports, targ_lports_cnt, t->lport) &&
	       (!targ_laddr_family || addr_in_cidr(targ_laddr, targ_laddr_family, targ_laddr_prefix, t->family, t->laddr));
}

/* per CPU: the skb of a completed handshake the accept queue refused, and its listener, until it is freed */
struct ovf_mark {
	__u64 skb;
	__u64 sk;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ovf_mark);
} ovf_mark SEC(".maps");

/* every map below is filled here and only read (never emptied) by user space at the end */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPDROP_MAX_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} reasons SEC(".maps");

/* a full map drops new flows (counted in flows_missed), never old ones */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPDROP_MAX_FLOWS);
	__type(key, struct tcpdrop_flow_key);
	__type(value, struct tcpdrop_flow_val);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, TCPDROP_MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, TCPDROP_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPDROP_MAX_STACKS);
	__type(key, struct tcpdrop_stack_key);
	__type(value, __u64);
} stack_counts SEC(".maps");

__u64 drops_total = 0;
__u64 flows_missed = 0;
__u32 events_sent = 0;

static const __u64 zero = 0;
static const struct tcpdrop_flow_val flow_init = {};

/*
 * A TCP socket? timewait and request socks are TCP's own; a full socket must be SOCK_STREAM/TCP
 * (the per-netns control socket that sends RSTs is a raw IPPROTO_TCP socket: not a connection).
 * sk_type/sk_protocol exist only on full sockets, so the state is checked first.
 */
static __always_inline bool sk_is_tcp(const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);

	if (family != AF_INET && family != AF_INET6)
		return false;
	if (state == SONDE_TCP_TIME_WAIT || state == SONDE_TCP_NEW_SYN_RECV)
		return true;
	return BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP && BPF_CORE_READ(sk, sk_type) == 1 /* SOCK_STREAM */;
}

/*
 * ctx: the program's context (for bpf_get_stackid); rx_sk: the socket of an inbound drop (kfree_skb's,
 * 6.11+; a listener for an overflow), NULL where there is none. True when the drop passed the filters.
 */
static __always_inline bool on_drop(void *ctx, struct sk_buff *skb, void *location, __u32 reason,
				    struct sock *rx_sk)
{
	struct tcpdrop_flow_key fk = {};
	struct tcpdrop_stack_key sk_key;
	struct tcpdrop_flow_val *fv;
	struct tcpdrop_event *e;
	struct skb_tcp hdr;
	struct sock *sk;
	bool have_hdr, tcp_sk, outbound;
	__u32 netns, dev_netns = 0;
	__u8 state = 0;
	__s32 stack_id = -1;
	__u64 *cnt;

	if (targ_skip_reason && reason == targ_skip_reason)
		return false;
	sk = rx_sk ? rx_sk : BPF_CORE_READ(skb, sk);
	have_hdr = skb_tcp_read(&hdr, skb);
	/* a packet in flight has a device; an skb in a socket queue may keep a stale one: not read then */
	if (have_hdr)
		dev_netns = BPF_CORE_READ(skb, dev, nd_net.net, ns.inum);
	/*
	 * veth keeps skb->sk across namespaces (since 5.x): a segment dropped at the receiving side's tc
	 * ingress still carries the sender's socket. A socket from another namespace is not this drop's.
	 */
	if (!rx_sk && sk && dev_netns && sk_netns(sk) != dev_netns)
		sk = NULL;
	tcp_sk = sk && sk_is_tcp(sk);
	if (!tcp_sk && !have_hdr)
		return false;

	if (tcp_sk) {
		state = BPF_CORE_READ(sk, __sk_common.skc_state);
		netns = sk_netns(sk);
		/* a listener's tuple has no remote side: a segment's headers name the peer (listen overflow) */
		if (state == SONDE_TCP_LISTEN && have_hdr)
			sock_tuple_from_skb_tcp(&fk.t, &hdr, true);
		else if (!sock_tuple_read(&fk.t, sk))
			return false;
	} else {
		/* no socket: a received segment; a non-TCP socket (the RST control socket): one we send */
		outbound = sk != NULL;
		sock_tuple_from_skb_tcp(&fk.t, &hdr, !outbound);
		netns = dev_netns ? dev_netns : (sk ? sk_netns(sk) : 0);
	}
	if (!tuple_wanted(&fk.t) || (targ_netns && netns != targ_netns))
		return false;
	/* the socket's cgroup names the owner in softirq too; a drop with no socket has none */
	fk.cgroup = tcp_sk ? sk_cgroup_id(sk) : 0;
	if (!cgroup_allowed(fk.cgroup))
		return false;

	__sync_fetch_and_add(&drops_total, 1);
	cnt = map_lookup_or_try_init(&reasons, &reason, &zero);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);

	fk.reason = reason;
	fv = map_lookup_or_try_init(&flows, &fk, &flow_init);
	if (fv) {
		__sync_fetch_and_add(&fv->count, 1);
		fv->state = state;
		fv->flags |= have_hdr ? hdr.flags : 0;
	} else {
		__sync_fetch_and_add(&flows_missed, 1);
	}

	if (targ_stacks) {
		/* ctx is the tracepoint's argument array; the stack starts in this program and the trampoline */
		stack_id = bpf_get_stackid(ctx, &stacks, 0);
		sk_key.stack_id = stack_id;
		sk_key.reason = reason;
		cnt = map_lookup_or_try_init(&stack_counts, &sk_key, &zero);
		if (cnt)
			__sync_fetch_and_add(cnt, 1);
	}

	/*
	 * The cap is checked before reserving, so the ring buffer never fills. Read-then-add, because
	 * clang 14 without -mcpu=v3 cannot use the value an atomic add returns: CPUs racing here can go
	 * a few over the cap, and user space keeps the first targ_max_events.
	 */
	if (events_sent >= targ_max_events)
		return true;
	__sync_fetch_and_add(&events_sent, 1);
	e = event_reserve(sizeof(*e));
	if (!e)
		return true;
	e->h.ts_ns = bpf_ktime_get_ns();
	e->h.skaddr = tcp_sk ? (__u64)sk : 0;
	e->h.pid = 0; /* softirq mostly: no reliable owner */
	e->h.tid = 0;
	e->h.uid = 0;
	e->h.netns = netns;
	e->h.cgroup = fk.cgroup;
	__builtin_memset(e->h.comm, 0, sizeof(e->h.comm));
	__builtin_memcpy(&e->h.t, &fk.t, sizeof(e->h.t));
	e->location = (__u64)location;
	e->reason = reason;
	e->stack_id = stack_id;
	e->state = state;
	e->flags = have_hdr ? hdr.flags : 0;
	e->has_sk = tcp_sk;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	event_submit(e);
	return true;
}

/* a kfree_skb drop where no hook sees overflows: the drop reason names completed handshakes that overflowed */
static __always_inline int on_kfree(void *ctx, struct sk_buff *skb, void *location, __u32 reason, struct sock *rx_sk)
{
	listener_rx_drop(rx_sk, skb, (__u64)location);
	if (on_drop(ctx, skb, location, reason, rx_sk) && rx_sk && targ_overflow_reason && reason == targ_overflow_reason)
		listener_overflow(rx_sk, false);
	return 0;
}

/* a kfree_skb drop where the hooks below see overflows: the skb they marked is one, whatever its reason */
static __always_inline int on_kfree_hooked(void *ctx, struct sk_buff *skb, void *location, __u32 reason, struct sock *rx_sk)
{
	__u32 zero = 0;
	struct ovf_mark *m = bpf_map_lookup_elem(&ovf_mark, &zero);
	struct sock *listener = NULL;

	listener_rx_drop(rx_sk, skb, (__u64)location);
	if (m && m->skb == (__u64)skb) {
		listener = (struct sock *)m->sk;
		m->skb = 0;
		reason = targ_overflow_reason;
		/* before 6.11 kfree_skb names no socket: the listener is the mark's */
		if (!rx_sk)
			rx_sk = listener;
	}
	if (on_drop(ctx, skb, location, reason, rx_sk) && listener)
		listener_overflow(listener, false);
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(tcpdrop_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason,
	     struct sock *rx_sk)
{
	return on_kfree(ctx, skb, location, reason, rx_sk);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(tcpdrop_kfree_skb3, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	return on_kfree(ctx, skb, location, reason, NULL);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(tcpdrop_kfree_skb_hooked, struct sk_buff *skb, void *location, enum skb_drop_reason reason,
	     struct sock *rx_sk)
{
	return on_kfree_hooked(ctx, skb, location, reason, rx_sk);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(tcpdrop_kfree_skb3_hooked, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	return on_kfree_hooked(ctx, skb, location, reason, NULL);
}

/* listen() and a listener's close: listeners.h */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcpdrop_state, struct sock *sk, int oldstate, int newstate)
{
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (newstate == SONDE_TCP_LISTEN)
		listener_note(sk, NULL, true);
	else if (oldstate == SONDE_TCP_LISTEN && newstate == SONDE_TCP_CLOSE)
		listener_closed(sk);
	return 0;
}

SEC("iter/task_file")
int tcpdrop_listeners(struct bpf_iter__task_file *ctx)
{
	return listeners_pass(ctx);
}

/* a SYN the full accept queue refuses: a drop here, as the kernel never frees it as one */
static __always_inline int on_conn_request(void *ctx, struct sock *sk, struct sk_buff *skb)
{
	if (conn_request_overflows(sk) && on_drop(ctx, skb, (void *)bpf_get_func_ip(ctx), targ_overflow_reason, sk))
		listener_overflow(sk, true);
	return 0;
}

/* a completed handshake the full accept queue refuses: its skb is freed next, on this CPU */
static __always_inline int on_syn_recv_sock(struct sock *sk, struct sk_buff *skb, bool v6)
{
	__u32 zero = 0;
	struct ovf_mark *m;

	/* tcp_v6_syn_recv_sock hands a v4 segment (v4-mapped) to tcp_v4_syn_recv_sock: marked there */
	if (v6 && skb_ip_family(skb) == AF_INET)
		return 0;
	if (!sk_acceptq_full(sk))
		return 0;
	m = bpf_map_lookup_elem(&ovf_mark, &zero);
	if (m) {
		m->skb = (__u64)skb;
		m->sk = (__u64)sk;
	}
	return 0;
}

/* before 6.11: no rx_sk, so the segment tcp_check_req() handles names the listener of a drop that follows */
SONDE_CHECK_REQ_HOOK(fentry, tcpdrop_check_req)
SONDE_CHECK_REQ_HOOK(kprobe, tcpdrop_kp_check_req)

SONDE_OVERFLOW_HOOKS(fentry, on_conn_request, on_syn_recv_sock, tcpdrop_conn_request, tcpdrop_syn_recv4, tcpdrop_syn_recv6)
SONDE_OVERFLOW_HOOKS(kprobe, on_conn_request, on_syn_recv_sock, tcpdrop_kp_conn_request, tcpdrop_kp_syn_recv4, tcpdrop_kp_syn_recv6)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
