/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who a socket event belongs to, and the task filters (pid, uid, comm, netns).
 *
 * Softirq-context events (passive ESTABLISHED, RST, retransmit, drop, CLOSE from a timer) run on
 * whatever task the CPU happened to be in, so `current` is meaningless there. The owner is taken in
 * process context — connect (CLOSE->SYN_SENT), accept (sys_exit_accept4), send/recv — remembered
 * per socket in `sk_owners`, and carried forward to later events of the same socket.
 *
 * Globals (probe-sdk filters.ts `taskFilterGlobals` writes them; all zero = no filter):
 *   targ_pid      __u32 tgid               targ_uid_on __u8 + targ_uid __u32
 *   targ_comm     char[16] (exact match)   targ_netns __u32 netns inode (netns.h)
 * The cgroup filter is an owner filter over the socket's own cgroup (owner_filter.h), not the task's:
 * an event's `cgroup` is its socket's (sk_event.h), in softirq as in process context.
 */
#ifndef __SONDE_TASK_H
#define __SONDE_TASK_H

#include <vmlinux.h>
#include "layout.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "netns.h"
#include "owner_filter.h"

#define SONDE_COMM_LEN 16
#define SONDE_MAX_OWNERS 65536

const volatile __u32 targ_pid = 0;
const volatile __u8 targ_uid_on = 0;
const volatile __u32 targ_uid = 0;
const volatile char targ_comm[SONDE_COMM_LEN] = {};

/* how an owner was learned (struct owner .how) */
#define SONDE_OWNER_SEEN 0	/* in the socket's own process context: connect, listen, accept, close */
#define SONDE_OWNER_LISTENER 1	/* a passive child's listener, until its own process context shows up */

struct SONDE_SHARED owner {
	__u32 pid; /* tgid */
	__u32 tid;
	__u32 uid;
	__u32 how; /* SONDE_OWNER_*; not part of any event */
	char comm[SONDE_COMM_LEN];
};

/*
 * sk pointer -> owner. Filled in process context (connect, accept, send/recv), read by every later
 * event of the socket, emptied when the socket reaches CLOSE (after that event is emitted).
 * LRU: a socket whose CLOSE we never see (probe attached mid-life) cannot leak an entry forever.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SONDE_MAX_OWNERS);
	__type(key, __u64);
	__type(value, struct owner);
} sk_owners SEC(".maps");

static __always_inline void owner_current(struct owner *o)
{
	__u64 id = bpf_get_current_pid_tgid();

	o->pid = id >> 32;
	o->tid = (__u32)id;
	o->uid = (__u32)bpf_get_current_uid_gid();
	o->how = SONDE_OWNER_SEEN;
	/* 6.1's bpf_get_current_comm copies the name and its NUL, not the rest: whole-buffer compares
	 * and map keys holding the comm would see stack garbage after it */
	__builtin_memset(o->comm, 0, sizeof(o->comm));
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

/* pid/uid/comm filters against an owner (current or carried forward) */
static __always_inline bool owner_allowed(const struct owner *o)
{
	if (targ_pid && o->pid != targ_pid)
		return false;
	if (targ_uid_on && o->uid != targ_uid)
		return false;
	if (targ_comm[0]) {
#pragma unroll
		for (int i = 0; i < SONDE_COMM_LEN; i++) {
			if (o->comm[i] != targ_comm[i])
				return false;
			if (!targ_comm[i])
				break;
		}
	}
	return true;
}

/* any task filter set? (events without a known owner then cannot pass) */
static __always_inline bool task_filter_on(void)
{
	return targ_pid || targ_uid_on || targ_comm[0];
}

static __always_inline void owner_remember(const struct sock *sk, const struct owner *o)
{
	__u64 key = (__u64)sk;

	bpf_map_update_elem(&sk_owners, &key, o, BPF_ANY);
}

/* remember the current task as the socket's owner and return it in *o */
static __always_inline void owner_remember_current(const struct sock *sk, struct owner *o)
{
	owner_current(o);
	owner_remember(sk, o);
}

static __always_inline struct owner *owner_lookup(const struct sock *sk)
{
	__u64 key = (__u64)sk;

	return bpf_map_lookup_elem(&sk_owners, &key);
}

static __always_inline void owner_forget(const struct sock *sk)
{
	__u64 key = (__u64)sk;

	bpf_map_delete_elem(&sk_owners, &key);
}

/*
 * The struct sock behind a file descriptor of the current task (accept's return value):
 * current->files->fdt->fd[fd]->private_data is the struct socket. NULL when it is not a socket.
 */
static __always_inline struct sock *sock_from_fd(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct file **fds;
	struct file *file = NULL;
	struct socket *sock;
	unsigned int max_fds;

	if (fd < 0)
		return NULL;
	max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
	if ((unsigned int)fd >= max_fds)
		return NULL;
	fds = BPF_CORE_READ(task, files, fdt, fd);
	if (bpf_core_read(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return NULL;
	return BPF_CORE_READ(sock, sk);
}

#endif /* __SONDE_TASK_H */
