/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Attribution of active opens (connect) without kprobes, shared by tcpconnect and tcpconnlat.
 *
 *   CLOSE -> SYN_SENT   inet_sock_set_state runs inside the connecting task (connect(2), or sendto
 *                       with MSG_FASTOPEN, or a kernel socket): connect_begin() takes the owner, the
 *                       start time and the tuple so far (the source port is still 0 there), and
 *                       whether the task is inside connect(2) (its syscall number).
 *   SYN_SENT -> ...     ESTABLISHED or CLOSE, in any context (softirq on a real network, the task's
 *                       own release_sock on loopback): connect_resolve() stores the outcome with the
 *                       tuple read *now* — once CLOSE is through, inet_put_port() zeroes the port.
 *   sys_exit_connect    connect_syscall_end() pops the tid -> sk entry of the task's connect(2).
 *
 * Maps (one instance per object that includes this header):
 *   connect_starts  sk -> struct connect_start: filled at CLOSE->SYN_SENT, emptied by the probe when it
 *                   emits (sys_exit_connect or the state change after it) or on CLOSE. LRU: a socket
 *                   whose end the probe never sees cannot pin an entry.
 *   connect_tids    tid -> sk: filled at CLOSE->SYN_SENT inside connect(2), emptied at that task's
 *                   sys_exit_connect. LRU for the same reason (a task killed mid-connect still exits
 *                   the syscall, but a probe attached mid-connect never saw the start).
 */
#ifndef __SONDE_CONNECT_H
#define __SONDE_CONNECT_H

#include <vmlinux.h>
#include "layout.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sock.h"
#include "states.h"
#include "task.h"

#define SONDE_MAX_CONNECTS 16384

#ifndef EINPROGRESS
#define EINPROGRESS 115
#endif
#ifndef EINTR
#define EINTR 4
#endif
#ifndef ERESTARTSYS
#define ERESTARTSYS 512
#endif

/* connect(2)'s number, read from the task's saved registers (orig_ax / syscallno) */
#if defined(__TARGET_ARCH_x86)
#define SONDE_NR_CONNECT 42
#elif defined(__TARGET_ARCH_arm64)
#define SONDE_NR_CONNECT 203
#endif

/* connect_start.flags */
#define CONNECT_F_SYSCALL  1 /* started inside connect(2): its sys_exit_connect will come */
#define CONNECT_F_RESOLVED 2 /* the handshake ended (state, err, t are final) */

struct SONDE_SHARED connect_start {
	struct owner o;
	__u64 ts_ns;   /* CLOSE -> SYN_SENT */
	__u64 end_ns;  /* SYN_SENT -> ESTABLISHED / CLOSE (0 until then) */
	struct sock_tuple t;
	__u32 flags;
	__s32 err;     /* sk_err at the end: ECONNREFUSED after a RST, ETIMEDOUT, EHOSTUNREACH, ... */
	__u16 state;   /* the state the handshake ended in (ESTABLISHED or CLOSE), 0 until then */
	__u16 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SONDE_MAX_CONNECTS);
	__type(key, __u64);
	__type(value, struct connect_start);
} connect_starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SONDE_MAX_CONNECTS);
	__type(key, __u32);
	__type(value, __u64);
} connect_tids SEC(".maps");

/* is the current task inside connect(2)? (false for sendto+MSG_FASTOPEN, io_uring, kernel sockets) */
static __always_inline bool in_connect_syscall(void)
{
#ifdef SONDE_NR_CONNECT
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(regs, orig_ax) == SONDE_NR_CONNECT;
#else
	return BPF_CORE_READ((struct user_pt_regs *)regs, syscallno) == SONDE_NR_CONNECT;
#endif
#else
	return false; /* unknown arch: every connect is emitted at its state change */
#endif
}

/*
 * At CLOSE -> SYN_SENT, in the connecting task. *o is the current task (already checked against the
 * task filters by the caller). The tuple has no source port yet unless the socket was bound.
 * track_syscall: note connect(2) in connect_tids for a sys_exit_connect handler (probes that emit at
 * the state change pass false and never touch connect_tids).
 */
static __always_inline void connect_begin(const struct sock *sk, const struct owner *o,
					  const struct sock_tuple *t, bool track_syscall)
{
	struct connect_start s = {};
	__u64 key = (__u64)sk;

	__builtin_memcpy(&s.o, o, sizeof(s.o));
	__builtin_memcpy(&s.t, t, sizeof(s.t));
	s.ts_ns = bpf_ktime_get_ns();
	if (track_syscall && in_connect_syscall()) {
		__u32 tid = o->tid;

		s.flags = CONNECT_F_SYSCALL;
		bpf_map_update_elem(&connect_tids, &tid, &key, BPF_ANY);
	}
	bpf_map_update_elem(&connect_starts, &key, &s, BPF_ANY);
}

static __always_inline struct connect_start *connect_lookup(const struct sock *sk)
{
	__u64 key = (__u64)sk;

	return bpf_map_lookup_elem(&connect_starts, &key);
}

static __always_inline void connect_forget(const struct sock *sk)
{
	__u64 key = (__u64)sk;

	bpf_map_delete_elem(&connect_starts, &key);
}

/*
 * At SYN_SENT -> ESTABLISHED / CLOSE: record how the handshake ended, with the full tuple (read here,
 * before CLOSE releases the port) and sk_err (tcp_done_with_error() sets it before tcp_done()).
 */
static __always_inline void connect_resolve(struct connect_start *s, const struct sock *sk, int newstate)
{
	struct sock_tuple t;

	s->end_ns = bpf_ktime_get_ns();
	s->state = newstate;
	s->err = newstate == SONDE_TCP_CLOSE ? BPF_CORE_READ(sk, sk_err) : 0;
	if (sock_tuple_read(&t, sk))
		__builtin_memcpy(&s->t, &t, sizeof(t));
	s->flags |= CONNECT_F_RESOLVED;
}

/* At sys_exit_connect: the socket this task's connect(2) started, or NULL (and forgets the tid). */
static __always_inline struct sock *connect_syscall_end(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *skp = bpf_map_lookup_elem(&connect_tids, &tid);
	__u64 sk;

	if (!skp)
		return NULL;
	sk = *skp;
	bpf_map_delete_elem(&connect_tids, &tid);
	return (struct sock *)sk;
}

/* connect(2) returned while the handshake goes on in the background (non-blocking, or a signal) */
static __always_inline bool connect_ret_pending(long ret)
{
	return ret == -EINPROGRESS || ret == -EINTR || ret == -ERESTARTSYS;
}

#endif /* __SONDE_CONNECT_H */
