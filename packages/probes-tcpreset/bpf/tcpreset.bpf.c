// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpreset: TCP resets sent and received, one event each, counted in the kernel by direction and
 * reason and per flow, with the socket's owner.
 *
 * Sent (the kernel's reason, enum sk_rst_reason, where it passes one):
 *   tcpreset_snd    tp_btf/tcp_send_reset, 3 arguments (6.10+): every reset, reason included; sk is
 *                   NULL for a segment no socket took (a SYN to a closed port): the tuple is then the
 *                   segment's, swapped (skb.h), and there is no owner
 *   tcpreset_sndtp  tracepoint/tcp/tcp_send_reset, the same where tp_btf is missing (6.10+)
 *   Before 6.10 the tracepoint has no reason and fires only for full sockets (tcp_v{4,6}_send_reset
 *   skip it for time-wait and socket-less resets), so:
 *   tcpreset_act2   tp_btf/tcp_send_reset, 2 arguments, skb NULL only: resets a socket sends itself
 *                   (tcp_send_active_reset: close with unread data or SO_LINGER 0, timeouts)
 *   tcpreset_fe4/6  fentry/tcp_v{4,6}_send_reset: every reset sent in reply to a segment, any socket
 *   tcpreset_kp4/6  the same on kprobes
 *   tcpreset_snd2   tp_btf/tcp_send_reset, 2 arguments, all: the last resort (full sockets only)
 * Received:
 *   tcpreset_rcv    tp_btf/tcp_receive_reset; tcpreset_rcvtp the classic tracepoint
 *   The kernel also fires tcp_receive_reset when it aborts a socket that has closed its reading side
 *   (FIN_WAIT1/2) on new data (TCP_ABORT_ON_DATA), just before it sends that socket's own reset. Such a
 *   socket's received reset is held in `rx_held` and dropped when the socket's own reset follows at once
 *   on the kernel's abort path; else it is a reset that arrived, reported once older than HOLD_NS (by
 *   the next hook that runs on that CPU, or by user space at the end).
 * Owners: tcpreset_btf/tcpreset_tp (inet_sock_set_state) and the accept exits learn them (attrib.h); a
 * reset a process sends itself (close(2)) runs in its context.
 * Filters (bpf/include): tuple_filter.h, task.h and owner_filter.h, set by user space as rodata.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "hooks.h"
#include "sk_event.h"
#include "events.h"
#include "tuple_filter.h"
#include "attrib.h"
#include "states.h"
#include "skb.h"
#include "tcpreset.h"

#define RCV_SHUTDOWN 1
/* the kernel's abort path runs tcp_reset and then sends the reset in one softirq: microseconds apart */
#define HOLD_NS (50 * 1000 * 1000ULL)

/* [TCPRESET_SENT], [TCPRESET_RECEIVED]: every reset that passed the filters */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct tcpreset_reason_key);
	__type(value, __u64);
} reasons SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPRESET_MAX_FLOWS);
	__type(key, struct tcpreset_flow_key);
	__type(value, struct tcpreset_flow);
} flows SEC(".maps");

/* resets counted in totals and reasons whose flow did not fit `flows` */
__u64 flows_missed = 0;

/* socket -> its received reset, held while the kernel's own abort may follow (see above) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct tcpreset_event);
} rx_held SEC(".maps");

/* per CPU: the socket whose received reset this CPU held last, so a later hook here reports it */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} held_last SEC(".maps");

static __always_inline void add(void *map, const void *key)
{
	__u64 one = 1, *n = bpf_map_lookup_elem(map, key);

	if (n)
		__sync_fetch_and_add(n, 1);
	else if (bpf_map_update_elem(map, key, &one, BPF_NOEXIST) && (n = bpf_map_lookup_elem(map, key)))
		__sync_fetch_and_add(n, 1);
}

/* count one reset (totals, reasons, its flow) and stream it; a call of its own: the stack is 512 bytes */
static __noinline void report(const struct tcpreset_event *ev)
{
	struct tcpreset_reason_key rk = { .dir = ev->dir, .reason = ev->reason };
	struct tcpreset_flow_key fk = {};
	struct tcpreset_flow *f, nf = {};
	struct tcpreset_event *e;
	__u32 dir = ev->dir;
	__u64 *n;

	n = bpf_map_lookup_elem(&totals, &dir);
	if (n)
		__sync_fetch_and_add(n, 1);
	add(&reasons, &rk);

	__builtin_memcpy(&fk.t, &ev->h.t, sizeof(fk.t));
	fk.netns = ev->h.netns;
	fk.reason = ev->reason;
	fk.dir = ev->dir;
	f = bpf_map_lookup_elem(&flows, &fk);
	if (!f) {
		/* another CPU may insert it first: either way, look it up again */
		bpf_map_update_elem(&flows, &fk, &nf, BPF_NOEXIST);
		f = bpf_map_lookup_elem(&flows, &fk);
	}
	if (f) {
		__sync_fetch_and_add(&f->count, 1);
		f->cgroup = ev->h.cgroup;
		if (ev->h.pid) {
			f->pid = ev->h.pid;
			__builtin_memcpy(f->comm, ev->h.comm, sizeof(f->comm));
		}
	} else {
		__sync_fetch_and_add(&flows_missed, 1);
	}

	e = event_reserve(sizeof(*e));
	if (!e)
		return;
	__builtin_memcpy(e, ev, sizeof(*e));
	event_submit(e);
}

/*
 * Report the received reset held for socket `key` if it is older than `min_age` ns, using *scratch (the
 * caller's event buffer, not yet in use: the stack is 512 bytes). Whoever deletes the entry reports it.
 */
static __noinline void held_release(__u64 key, __u64 min_age, struct tcpreset_event *scratch)
{
	struct tcpreset_event *h = bpf_map_lookup_elem(&rx_held, &key);

	if (!h)
		return;
	__builtin_memcpy(scratch, h, sizeof(*scratch));
	if (bpf_ktime_get_ns() - scratch->h.ts_ns < min_age)
		return;
	if (bpf_map_delete_elem(&rx_held, &key))
		return;
	scratch->flags |= TCPRESET_F_LATE;
	report(scratch);
}

/* this CPU's last held reset, once it is old enough to be one that arrived */
static __always_inline void held_flush_cpu(struct tcpreset_event *scratch)
{
	__u32 zero = 0;
	__u64 *last = bpf_map_lookup_elem(&held_last, &zero), key;

	if (!last || !*last)
		return;
	key = *last;
	held_release(key, HOLD_NS, scratch);
	if (!bpf_map_lookup_elem(&rx_held, &key))
		*last = 0;
}

/* the socket's owner: the one learned (attrib.h), else the task holding its lock (process context) */
static __always_inline struct owner *reset_owner(const struct sock *sk, __u8 state, struct owner *buf)
{
	struct owner *o = owner_lookup(sk);

	if (o) {
		__builtin_memcpy(buf, o, sizeof(*buf));
		return buf;
	}
	/* time-wait and request socks have no lock (and reading one would read past them) */
	if (state != SONDE_TCP_TIME_WAIT && state != SONDE_TCP_NEW_SYN_RECV && sk_locked_by_task(sk)) {
		owner_current(buf);
		return buf;
	}
	return NULL;
}

static __always_inline bool wanted(const struct tcpreset_event *ev, const struct sock *sk, const struct owner *o)
{
	if (task_filter_on() && (!o || !owner_allowed(o)))
		return false;
	if (targ_netns && ev->h.netns != targ_netns)
		return false;
	if (targ_owner_filter && !cgroup_allowed(ev->h.cgroup))
		return false;
	return tuple_wanted(&ev->h.t);
}

/* a reset the kernel sends: for segment skb (NULL: the socket's own), by sk (NULL: no socket) */
static __always_inline int on_send(const struct sock *sk, const struct sk_buff *skb, __u32 reason, __u8 flags)
{
	struct tcpreset_event ev, *h;
	struct owner buf, *o = NULL;
	struct skb_tcp p;
	struct sock_tuple t;
	__u64 key = (__u64)sk;
	__u8 state = 0;

	held_flush_cpu(&ev);
	if (sk) {
		state = BPF_CORE_READ(sk, __sk_common.skc_state);
		if (!sock_tuple_read(&t, sk))
			return 0;
		o = reset_owner(sk, state, &buf);
		h = skb ? bpf_map_lookup_elem(&rx_held, &key) : NULL;
		if (h) {
			/*
			 * tcp_rcv_state_process's abort on data: tcp_reset (our held "received" reset), then this
			 * reply. The socket received no reset: drop the held one, keep its owner (the socket has
			 * just been closed, and its owner forgotten at CLOSE).
			 */
			bool abort = bpf_core_enum_value_exists(enum sk_rst_reason, SK_RST_REASON_TCP_ABORT_ON_DATA)
					     ? reason == bpf_core_enum_value(enum sk_rst_reason, SK_RST_REASON_TCP_ABORT_ON_DATA)
					     : reason == TCPRESET_NO_REASON;
			if (abort && bpf_ktime_get_ns() - h->h.ts_ns < HOLD_NS) {
				if (!o && h->h.pid) {
					buf.pid = h->h.pid;
					buf.tid = h->h.tid;
					buf.uid = h->h.uid;
					__builtin_memcpy(buf.comm, h->h.comm, sizeof(buf.comm));
					o = &buf;
				}
				bpf_map_delete_elem(&rx_held, &key);
			} else {
				held_release(key, 0, &ev);
			}
		}
	} else {
		/* tp_btf's skb is a maybe-NULL pointer the verifier wants checked before any read through it */
		if (!skb || !skb_tcp_read(&p, skb))
			return 0;
		sock_tuple_from_skb_tcp(&t, &p, true);
		flags |= TCPRESET_F_NO_SOCKET;
	}
	__builtin_memset(&ev, 0, sizeof(ev));
	sk_event_head_fill(&ev.h, sk, &t, o);
	if (!sk && skb)
		ev.h.netns = BPF_CORE_READ(skb, dev, nd_net.net, ns.inum);
	ev.reason = reason;
	ev.dir = TCPRESET_SENT;
	ev.state = state;
	ev.flags = flags;
	if (!wanted(&ev, sk, o))
		return 0;
	report(&ev);
	return 0;
}

/* a reply the kernel is about to send (fentry/kprobe before 6.10): it never answers a reset with one */
static __always_inline int on_reply(const struct sock *sk, const struct sk_buff *skb)
{
	struct skb_tcp p;

	if (!skb_tcp_read(&p, skb) || (p.flags & SONDE_TCP_RST))
		return 0;
	return on_send(sk, skb, TCPRESET_NO_REASON, 0);
}

static __always_inline int on_receive(const struct sock *sk)
{
	struct tcpreset_event ev, held;
	struct owner buf, *o;
	struct sock_tuple t;
	__u64 key = (__u64)sk;
	__u32 zero = 0;
	__u64 *last;
	__u8 shut;

	held_flush_cpu(&ev);
	if (!sk || !sock_tuple_read(&t, sk))
		return 0;
	__builtin_memset(&ev, 0, sizeof(ev));
	ev.state = BPF_CORE_READ(sk, __sk_common.skc_state);
	o = reset_owner(sk, ev.state, &buf);
	sk_event_head_fill(&ev.h, sk, &t, o);
	ev.reason = TCPRESET_NO_REASON;
	ev.dir = TCPRESET_RECEIVED;
	if (!wanted(&ev, sk, o))
		return 0;
	shut = BPF_CORE_READ(sk, sk_shutdown);
	if ((ev.state == SONDE_TCP_FIN_WAIT1 || ev.state == SONDE_TCP_FIN_WAIT2) && (shut & RCV_SHUTDOWN)) {
		held_release(key, 0, &held); /* an older one of the same socket pointer: it arrived */
		if (bpf_map_update_elem(&rx_held, &key, &ev, BPF_ANY) == 0) {
			last = bpf_map_lookup_elem(&held_last, &zero);
			if (last)
				*last = key;
			return 0;
		}
	}
	report(&ev);
	return 0;
}

/* owners: connect, listen, passive children, close (attrib.h), forgotten at CLOSE */
static __always_inline int on_state(const struct sock *sk, int oldstate, int newstate)
{
	struct tcpreset_event scratch;
	struct owner buf;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	held_flush_cpu(&scratch);
	owner_on_state(sk, oldstate, newstate, &buf);
	if (newstate == SONDE_TCP_CLOSE)
		owner_forget(sk);
	return 0;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcpreset_snd, const struct sock *sk, const struct sk_buff *skb, int reason)
{
	return on_send(sk, skb, (__u32)reason, skb ? 0 : TCPRESET_F_ACTIVE);
}

SEC("tracepoint/tcp/tcp_send_reset")
int tcpreset_sndtp(struct trace_event_raw_tcp_send_reset *ctx)
{
	const struct sk_buff *skb = ctx->skbaddr;

	return on_send(ctx->skaddr, skb, (__u32)ctx->reason, skb ? 0 : TCPRESET_F_ACTIVE);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcpreset_act2, const struct sock *sk, const struct sk_buff *skb)
{
	return skb ? 0 : on_send(sk, NULL, TCPRESET_NO_REASON, TCPRESET_F_ACTIVE);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcpreset_snd2, const struct sock *sk, const struct sk_buff *skb)
{
	return on_send(sk, skb, TCPRESET_NO_REASON, skb ? 0 : TCPRESET_F_ACTIVE);
}

SEC("fentry/tcp_v4_send_reset")
int BPF_PROG(tcpreset_fe4, const struct sock *sk, struct sk_buff *skb)
{
	return on_reply(sk, skb);
}

SEC("fentry/tcp_v6_send_reset")
int BPF_PROG(tcpreset_fe6, const struct sock *sk, struct sk_buff *skb)
{
	return on_reply(sk, skb);
}

SEC("kprobe/tcp_v4_send_reset")
int BPF_KPROBE(tcpreset_kp4, const struct sock *sk, struct sk_buff *skb)
{
	return on_reply(sk, skb);
}

SEC("kprobe/tcp_v6_send_reset")
int BPF_KPROBE(tcpreset_kp6, const struct sock *sk, struct sk_buff *skb)
{
	return on_reply(sk, skb);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcpreset_rcv, const struct sock *sk)
{
	return on_receive(sk);
}

SEC("tracepoint/tcp/tcp_receive_reset")
int tcpreset_rcvtp(struct trace_event_raw_tcp_event_sk *ctx)
{
	return on_receive(ctx->skaddr);
}

SONDE_STATE_HOOKS(on_state, tcpreset_btf, tcpreset_tp)
SONDE_ACCEPT_HOOKS(owner_accept_exit, tcpreset_acc4, tcpreset_acc)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
