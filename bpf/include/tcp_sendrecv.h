/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcp_sendrecv.h: the bytes a process sent or received over TCP, for kernels without the
 * sock:sock_send_length / sock:sock_recv_length tracepoints (they appeared in 6.3). The hooks are
 * the ones libbpf-tools used before: the TCP proto handlers that sock_sendmsg()/sock_recvmsg()
 * call for TCP sockets (IPv4 and IPv6 alike),
 *
 *   int tcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
 *   int tcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags, int *addr_len)
 *       (5.19+; before: ..., size_t len, int nonblock, int flags, int *addr_len)
 *
 * both in the caller's process context, with the same return value the tracepoints report
 * (bytes queued / bytes copied, or -errno), so a probe keeps its "ret > 0, no MSG_PEEK" rule:
 *
 *   fexit  (trampolines): the arguments and the return value in one program. tcp_recvmsg's flags
 *          are found from the argument count the trampoline reports (5 or 6 arguments).
 *   kprobe + kretprobe (no trampolines): the entry stashes sk and flags by thread in
 *          `tcp_sendrecv_args`, the return takes them back. The entry reads flags as the 4th
 *          argument (the 5.19+ layout).
 *
 * Not seen through these hooks (the tracepoints do not see them either, except where noted):
 * sendfile()/splice() to a socket before 6.5 (tcp_sendpage, not tcp_sendmsg), splice() from a
 * socket (tcp_read_sock), zero-copy receive (TCP_ZEROCOPY_RECEIVE).
 */
#ifndef __SONDE_TCP_SENDRECV_H
#define __SONDE_TCP_SENDRECV_H

#include <vmlinux.h>
#include "layout.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#ifndef MSG_PEEK
#define MSG_PEEK 2
#endif

/*
 * fexit/tcp_recvmsg: the return value and the flags, whatever the argument layout. False when
 * the layout is neither of the two known ones (nothing is counted then).
 */
static __always_inline bool tcp_recvmsg_fexit_result(void *ctx, int *ret, int *flags)
{
	__u64 nargs = bpf_get_func_arg_cnt(ctx), v = 0;
	__u32 fi;

	if (nargs == 5)
		fi = 3;
	else if (nargs == 6)
		fi = 4;
	else
		return false;
	if (bpf_get_func_arg(ctx, fi, &v))
		return false;
	*flags = (int)v;
	if (bpf_get_func_ret(ctx, &v))
		return false;
	*ret = (int)v;
	return true;
}

/* kprobe entry -> kretprobe: one call in flight per thread and direction */
struct SONDE_SHARED tcp_sendrecv_call {
	sonde_addr_t sk;
	__s32 flags;
	__u32 pad;
};

/* key: pid_tgid << 1 | (1 for a receive); filled at the kprobe, emptied at the kretprobe */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct tcp_sendrecv_call);
} tcp_sendrecv_args SEC(".maps");

static __always_inline void tcp_sendrecv_stash(const struct sock *sk, int flags, bool rx)
{
	__u64 key = bpf_get_current_pid_tgid() << 1 | rx;
	struct tcp_sendrecv_call c = { .sk = (__u64)sk, .flags = flags };

	bpf_map_update_elem(&tcp_sendrecv_args, &key, &c, BPF_ANY);
}

/* the stashed call of this thread, removed from the map; NULL sk when there is none */
static __always_inline struct sock *tcp_sendrecv_take(int *flags, bool rx)
{
	__u64 key = bpf_get_current_pid_tgid() << 1 | rx;
	struct tcp_sendrecv_call *c = bpf_map_lookup_elem(&tcp_sendrecv_args, &key);
	struct sock *sk;

	if (!c)
		return NULL;
	sk = (struct sock *)c->sk;
	*flags = c->flags;
	bpf_map_delete_elem(&tcp_sendrecv_args, &key);
	return sk;
}

#endif /* __SONDE_TCP_SENDRECV_H */
