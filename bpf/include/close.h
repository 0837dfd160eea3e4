/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who closes a socket, without kprobes (shared/PROBES.md, "PID attribution"): close(2) of the last
 * file reference runs __fput() -> sock_close() -> tcp_close() in the closing task, and tcp_close()
 * moves the socket out of ESTABLISHED (-> FIN_WAIT1, or -> CLOSE when unread data forces a RST) or
 * out of CLOSE_WAIT (-> LAST_ACK) while the file's reference count is already dead. shutdown(2)
 * makes the same transitions with a live file, and softirq transitions (FIN or RST received) do
 * not hold the socket lock: neither is counted as a close.
 *
 *   6.13+  struct file { file_ref_t f_ref; }: __fput runs once f_ref.refcnt == FILE_REF_DEAD
 *   older  struct file { atomic_long_t f_count; }: __fput runs once f_count == 0
 * bpf_core_field_exists picks the one the running kernel has.
 *
 * Process context without a preempt count: the per-CPU `__preempt_count` is not reachable from BPF
 * on kernels built without CONFIG_KALLSYMS_ALL (this one: "ldimm64 failed to find the address for
 * kernel symbol"). The socket lock says it instead: tcp_close() changes the state under lock_sock(),
 * so sk_lock.owned is 1, while softirq only changes the state of a socket nobody owns (otherwise the
 * segment waits in the backlog and is processed by the lock owner, in its own context). A FIN or
 * RST that races close() on another CPU, after the file died but before lock_sock(), therefore
 * fails the test instead of being blamed on whatever task that CPU was running.
 */
#ifndef __SONDE_CLOSE_H
#define __SONDE_CLOSE_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "states.h"

/* include/linux/file_ref.h (64-bit) */
#define SONDE_FILE_REF_DEAD 0xE000000000000000ULL

struct file___pre613 {
	atomic_long_t f_count;
} __attribute__((preserve_access_index));

/* lock_sock() holder: process context (see above) */
static __always_inline bool sk_locked_by_task(const struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_lock.owned) != 0;
}

/* the socket's file is being released (last reference dropped): we are inside close() */
static __always_inline bool sk_file_dead(const struct sock *sk)
{
	struct socket *sock = BPF_CORE_READ(sk, sk_socket);
	struct file *file;

	if (!sock)
		return false;
	file = BPF_CORE_READ(sock, file);
	if (!file)
		return false;
	if (bpf_core_field_exists(file->f_ref))
		return (__u64)BPF_CORE_READ(file, f_ref.refcnt.counter) == SONDE_FILE_REF_DEAD;
	return BPF_CORE_READ((struct file___pre613 *)file, f_count.counter) == 0;
}

/* this state change is close(2) of the socket by the current task */
static __always_inline bool sk_closed_by_current(const struct sock *sk, int oldstate, int newstate)
{
	if (oldstate != SONDE_TCP_ESTABLISHED && oldstate != SONDE_TCP_CLOSE_WAIT)
		return false;
	if (newstate == SONDE_TCP_ESTABLISHED || newstate == SONDE_TCP_CLOSE_WAIT)
		return false;
	return sk_locked_by_task(sk) && sk_file_dead(sk);
}

#endif /* __SONDE_CLOSE_H */
