/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The hook tails socket probes share, written once. A probe names its handler and its programs (the names
 * its hook variants list), and the macro defines the SEC programs:
 *
 *   SONDE_STATE_HOOKS(handler, btf_prog, tp_prog)
 *       inet_sock_set_state in both flavours: tp_btf/ where BTF tracepoints exist (the socket as a typed
 *       pointer), the classic tracepoint elsewhere (its skaddr, TCP only). Both call
 *       handler(const struct sock *sk, int oldstate, int newstate).
 *   SONDE_ACCEPT_HOOKS(handler, accept4_prog, accept_prog)
 *       the exits of accept4(2) and accept(2), both calling handler(long ret): ret is the new fd or -errno.
 * The usual accept handler is attrib.h's owner_accept_exit(ret): the accepting process becomes the owner.
 *
 *   SONDE_HOOK_fentry(fn)(prog, args...) / SONDE_HOOK_kprobe(fn)(prog, args...)
 *       the head of a program at the entry of kernel function fn, by trampoline or by kprobe, so one
 *       macro can define the same hook both ways (SONDE_HOOK_##kind): listen_overflow.h, listeners.h.
 */
#ifndef __SONDE_HOOKS_H
#define __SONDE_HOOKS_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define SONDE_STATE_HOOKS(handler, btf_prog, tp_prog)                                                      \
	SEC("tp_btf/inet_sock_set_state")                                                                  \
	int BPF_PROG(btf_prog, const struct sock *sk, const int oldstate, const int newstate)              \
	{                                                                                                  \
		return handler(sk, oldstate, newstate);                                                    \
	}                                                                                                  \
	SEC("tracepoint/sock/inet_sock_set_state")                                                         \
	int tp_prog(struct trace_event_raw_inet_sock_set_state *ctx)                                       \
	{                                                                                                  \
		if (ctx->protocol != IPPROTO_TCP)                                                          \
			return 0;                                                                          \
		return handler((const struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate);           \
	}

#define SONDE_ACCEPT_HOOKS(handler, accept4_prog, accept_prog)                                             \
	SEC("tracepoint/syscalls/sys_exit_accept4")                                                        \
	int accept4_prog(struct trace_event_raw_sys_exit *ctx)                                             \
	{                                                                                                  \
		return handler(ctx->ret);                                                                  \
	}                                                                                                  \
	SEC("tracepoint/syscalls/sys_exit_accept")                                                         \
	int accept_prog(struct trace_event_raw_sys_exit *ctx)                                              \
	{                                                                                                  \
		return handler(ctx->ret);                                                                  \
	}

#define SONDE_HOOK_fentry(fn) SEC("fentry/" #fn) int BPF_PROG
#define SONDE_HOOK_kprobe(fn) SEC("kprobe/" #fn) int BPF_KPROBE

#endif /* __SONDE_HOOKS_H */
