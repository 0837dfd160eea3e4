// SPDX-License-Identifier: GPL-2.0
/*
 * tcpconnect: one event per active TCP open with who made it and how it ended — established,
 * refused (RST), timed out, unreachable — or, in count mode, a table per (laddr, raddr, rport)
 * aggregated here. Upstream (kretprobe on tcp_v4_connect) sees only that a SYN was sent.
 *
 *   tcpconnect_sk    tp_btf/inet_sock_set_state: CLOSE->SYN_SENT starts a connect in the caller's
 *                    context (connect_track.h: connect_begin fills connect_starts, and connect_tids
 *                    when inside connect(2)); SYN_SENT->ESTABLISHED/CLOSE records the outcome and
 *                    emits unless connect(2) is still running (then its exit emits).
 *   tcpconnect_exit  tracepoint/syscalls/sys_exit_connect: pops connect_tids; emits with connect's
 *                    return value, or leaves a still-pending non-blocking connect to the state change.
 * connect_starts entries are deleted where the event is emitted; the LRU takes the rest.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "sk_event.h"
#include "events.h"
#include "connect_track.h"
#include "maps.h"
#include "tcpconnect.h"

const volatile bool targ_count = false; /* count mode: aggregate into `counts`, no events */

/* Filled where an event would be emitted in count mode; read (never emptied) by user space at the end. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPCONNECT_MAX_COUNTS);
	__type(key, struct tcpconnect_key);
	__type(value, struct tcpconnect_count);
} counts SEC(".maps");

static const struct tcpconnect_count count_init = {};

static __always_inline void emit(const struct sock *sk, struct connect_start *s, long ret, __u8 via)
{
	struct tcpconnect_event *e;

	if (!tuple_wanted(&s->t))
		return;

	if (targ_count) {
		struct tcpconnect_key key = {};
		struct tcpconnect_count *c;

		key.family = s->t.family;
		key.rport = s->t.rport;
		__builtin_memcpy(key.laddr, s->t.laddr, sizeof(key.laddr));
		__builtin_memcpy(key.raddr, s->t.raddr, sizeof(key.raddr));
		c = map_lookup_or_try_init(&counts, &key, &count_init);
		if (!c)
			return;
		__sync_fetch_and_add(&c->connects, 1);
		if (s->state != SONDE_TCP_ESTABLISHED)
			__sync_fetch_and_add(&c->failed, 1);
		return;
	}

	e = event_reserve(sizeof(*e));
	if (!e)
		return;
	sk_event_head_fill(&e->h, sk, &s->t, &s->o);
	e->lat_ns = s->end_ns ? s->end_ns - s->ts_ns : 0;
	e->ret = ret;
	e->err = s->err;
	e->state = s->state;
	e->via = via;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	event_submit(e);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcpconnect_sk, struct sock *sk, int oldstate, int newstate)
{
	struct connect_start *s = connect_track(sk, oldstate, newstate, true);

	if (!s)
		return 0;
	/* inside connect(2) (blocking, or loopback where the handshake ends in release_sock): its exit emits */
	if (s->flags & CONNECT_F_SYSCALL)
		return 0;
	emit(sk, s, 0, TCPCONNECT_VIA_STATE);
	connect_forget(sk);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int tcpconnect_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct sock *sk = connect_syscall_end();
	struct connect_start *s;
	long ret = ctx->ret;

	if (!sk)
		return 0;
	s = connect_lookup(sk);
	if (!s)
		return 0;
	if (!(s->flags & CONNECT_F_RESOLVED)) {
		if (connect_ret_pending(ret)) {
			/* the handshake goes on: the state change that ends it emits */
			s->flags &= ~CONNECT_F_SYSCALL;
			return 0;
		}
		/* failed before any state change we saw (should not happen): take the tuple now */
		connect_resolve(s, sk, ret == 0 ? SONDE_TCP_ESTABLISHED : SONDE_TCP_CLOSE);
	}
	/* a failure connect(2) reported without sk_err (EADDRNOTAVAIL: no free source port) */
	if (ret < 0 && !s->err && !connect_ret_pending(ret))
		s->err = -ret;
	emit(sk, s, ret, TCPCONNECT_VIA_SYSCALL);
	connect_forget(sk);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
