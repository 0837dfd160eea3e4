// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcptracer: connect (C), accept (A) and close (X) of TCP connections, like bcc's tcptracer, without
 * kprobes:
 *   C  owner at CLOSE -> SYN_SENT (the connecting task), emitted at SYN_SENT -> ESTABLISHED, when the
 *      tuple is complete (upstream emits from tcp_v4_connect's return)
 *   A  syscalls/sys_exit_accept4 / sys_exit_accept: fd -> sock of the accepting task
 *   X  close.h's rule (close(2) of the last file reference, in the closing task), once per socket;
 *      a socket that reaches CLOSE otherwise (reset, timeout, closed before the job) gets its X
 *      there, with the owner carried forward
 * Variants: tp_btf | tracepoint (inet_sock_set_state), both with the classic accept tracepoints.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "hooks.h"
#include "sk_event.h"
#include "tuple_filter.h"
#include "events.h"
#include "attrib.h"
#include "tcptracer.h"

/*
 * sk -> TCPTRACER_F_* flags. Set at ESTABLISHED (either side) and accept, and when X is sent;
 * emptied at -> CLOSE. LRU: sockets whose CLOSE we never see cannot fill it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TCPTRACER_MAX_SOCKS);
	__type(key, __u64);
	__type(value, __u8);
} socks SEC(".maps");

static __always_inline void flags_set(const struct sock *sk, __u8 f)
{
	__u64 key = (__u64)sk;
	__u8 *v = bpf_map_lookup_elem(&socks, &key), nv = f;

	if (v)
		nv |= *v;
	bpf_map_update_elem(&socks, &key, &nv, BPF_ANY);
}

static __always_inline void emit(const struct sock *sk, const struct owner *o, __u8 type)
{
	struct tcptracer_event *e;
	struct sock_tuple t;

	if (!sock_tuple_read(&t, sk) || !tuple_wanted(&t) || !netns_allowed(sk) || !sk_owner_allowed(sk))
		return;
	if (task_filter_on() && (!o || !owner_allowed(o)))
		return;
	e = event_reserve(sizeof(*e));
	if (!e)
		return;
	sk_event_head_fill(&e->h, sk, &t, o);
	e->type = type;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	event_submit(e);
}

static __always_inline int handle(const struct sock *sk, int oldstate, int newstate)
{
	struct owner buf, cur, *o;
	__u64 key = (__u64)sk;
	__u8 *f, flags;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	o = owner_on_state(sk, oldstate, newstate, &buf);
	/*
	 * a new life at this address (a connect or listen from CLOSE, a passive child born in SYN_RECV):
	 * whatever an earlier socket here left behind is not this one's (a refused connect reusing a
	 * closed socket's address was reported closed as if it had been established)
	 */
	if (oldstate == SONDE_TCP_CLOSE || newstate == SONDE_TCP_SYN_RECV)
		bpf_map_delete_elem(&socks, &key);
	if (newstate == SONDE_TCP_ESTABLISHED) {
		flags_set(sk, TCPTRACER_F_EST);
		if (oldstate == SONDE_TCP_SYN_SENT)
			emit(sk, o, TCPTRACER_CONNECT);
		return 0;
	}
	f = bpf_map_lookup_elem(&socks, &key);
	flags = f ? *f : 0;
	if ((flags & TCPTRACER_F_EST) && !(flags & TCPTRACER_F_CLOSE) && sk_closed_by_current(sk, oldstate, newstate)) {
		/* the closing task, even when another process opened the socket */
		owner_current(&cur);
		emit(sk, &cur, TCPTRACER_CLOSE);
		flags |= TCPTRACER_F_CLOSE;
		bpf_map_update_elem(&socks, &key, &flags, BPF_ANY);
	}
	if (newstate == SONDE_TCP_CLOSE) {
		if ((flags & TCPTRACER_F_EST) && !(flags & TCPTRACER_F_CLOSE))
			emit(sk, o, TCPTRACER_CLOSE);
		bpf_map_delete_elem(&socks, &key);
		owner_forget(sk);
	}
	return 0;
}

SONDE_STATE_HOOKS(handle, tcptracer_btf, tcptracer_tp)

static __always_inline int on_accept(long ret)
{
	struct owner buf;
	struct sock *sk = owner_on_accept(ret, &buf);

	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	flags_set(sk, TCPTRACER_F_EST);
	emit(sk, &buf, TCPTRACER_ACCEPT);
	return 0;
}

SONDE_ACCEPT_HOOKS(on_accept, tcptracer_acc4, tcptracer_acc)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
