// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpaccept: one event per TCP connection a process accepts, attributed to the process that called
 * accept — in its own context, at the syscall's exit — not to whatever task a softirq interrupted
 * (upstream's tracepoint variant, bcc #2304). No maps besides the event ring buffer.
 *
 *   tcpaccept_a4  tracepoint/syscalls/sys_exit_accept4
 *   tcpaccept_a   tracepoint/syscalls/sys_exit_accept
 * Both: ret >= 0 is the new fd; task.h sock_from_fd walks current->files->fdt->fd[ret] ->
 * private_data (struct socket) -> sk with CO-RE reads; the fd was installed before the syscall
 * returned, so it is there. Task filters run first, before the walk.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "sk_event.h"
#include "events.h"
#include "tuple_filter.h"
#include "states.h"
#include "tcpaccept.h"

static __always_inline int accepted(long ret, __u8 syscall)
{
	struct tcpaccept_event *e;
	struct sock_tuple t;
	struct owner o;
	struct sock *sk;

	if (ret < 0)
		return 0;
	owner_current(&o);
	if (!owner_allowed(&o))
		return 0;
	sk = sock_from_fd((int)ret);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP || !netns_allowed(sk) || !sk_owner_allowed(sk))
		return 0;
	if (!sock_tuple_read(&t, sk) || !tuple_wanted(&t))
		return 0;

	e = event_reserve(sizeof(*e));
	if (!e)
		return 0;
	sk_event_head_fill(&e->h, sk, &t, &o);
	e->fd = (__s32)ret;
	e->syscall = syscall;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	event_submit(e);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int tcpaccept_a4(struct trace_event_raw_sys_exit *ctx)
{
	return accepted(ctx->ret, 0);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int tcpaccept_a(struct trace_event_raw_sys_exit *ctx)
{
	return accepted(ctx->ret, 1);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
