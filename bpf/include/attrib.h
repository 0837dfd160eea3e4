/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Owner tracking shared by the lifecycle probes (tcpstates, tcplife, tcptracer, tcpretrans): the
 * process-context moments that tell whose a socket is, each writing task.h's `sk_owners`.
 *
 *   connect  CLOSE -> SYN_SENT runs in the connecting task (inet_sock_set_state)
 *   listen   CLOSE -> LISTEN runs in the listening task; the owner is also kept per (netns, port) in
 *            `listen_owners`, so a passive child — in softirq from LISTEN -> SYN_RECV until accept() —
 *            is attributed to the process that listens on its port instead of to nobody
 *   accept   syscalls/sys_exit_accept4 (and sys_exit_accept): fd -> struct sock of the child
 *   close    close.h's rule, for sockets whose opener we never saw
 *
 * Everything later in softirq (passive ESTABLISHED, FIN/RST received, retransmits, timers) reads the
 * owner back with owner_lookup(). The entry is removed when the socket reaches CLOSE: callers do
 * it after their own last use (owner_forget).
 */
#ifndef __SONDE_ATTRIB_H
#define __SONDE_ATTRIB_H

#include <vmlinux.h>
#include "task.h"
#include "states.h"
#include "close.h"

struct listen_key {
	__u32 netns;
	__u16 port;
	__u16 pad;
};

/* (netns, local port) of a listener -> its owner. Filled at CLOSE -> LISTEN, emptied at LISTEN -> CLOSE. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct listen_key);
	__type(value, struct owner);
} listen_owners SEC(".maps");

static __always_inline void listen_key_of(const struct sock *sk, struct listen_key *k)
{
	k->netns = sk_netns(sk);
	k->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	k->pad = 0;
}

/*
 * On a state change: remember the current task where it is the socket's opener (connect,
 * listen) or its closer when no owner is known yet. Returns the socket's owner for this event
 * (the current task in process context when it owns or closes the socket, else the remembered
 * one), copied into *buf; NULL when unknown.
 */
static __always_inline struct owner *owner_on_state(const struct sock *sk, int oldstate, int newstate,
						    struct owner *buf)
{
	struct listen_key lk;
	struct owner *o;

	if ((newstate == SONDE_TCP_SYN_SENT || newstate == SONDE_TCP_LISTEN) && oldstate == SONDE_TCP_CLOSE &&
	    sk_locked_by_task(sk)) {
		owner_remember_current(sk, buf);
		if (newstate == SONDE_TCP_LISTEN) {
			listen_key_of(sk, &lk);
			bpf_map_update_elem(&listen_owners, &lk, buf, BPF_ANY);
		}
		return buf;
	}
	if (oldstate == SONDE_TCP_LISTEN && newstate == SONDE_TCP_CLOSE) {
		listen_key_of(sk, &lk);
		bpf_map_delete_elem(&listen_owners, &lk);
	}
	o = owner_lookup(sk);
	if (o) {
		__builtin_memcpy(buf, o, sizeof(*buf));
		return buf;
	}
	/* a passive child before accept(): the listener's owner, remembered for its later events */
	if ((oldstate == SONDE_TCP_LISTEN && newstate != SONDE_TCP_CLOSE) || oldstate == SONDE_TCP_SYN_RECV ||
	    oldstate == SONDE_TCP_NEW_SYN_RECV) {
		listen_key_of(sk, &lk);
		o = bpf_map_lookup_elem(&listen_owners, &lk);
		if (o) {
			__builtin_memcpy(buf, o, sizeof(*buf));
			owner_remember(sk, buf);
			return buf;
		}
	}
	if (sk_closed_by_current(sk, oldstate, newstate)) {
		owner_remember_current(sk, buf);
		return buf;
	}
	return NULL;
}

/* accept(2)/accept4(2) returned `fd`: the current task owns the child socket. NULL if not a socket. */
static __always_inline struct sock *owner_on_accept(long fd, struct owner *buf)
{
	struct sock *sk;

	if (fd < 0)
		return NULL;
	sk = sock_from_fd((int)fd);
	if (!sk)
		return NULL;
	owner_remember_current(sk, buf);
	return sk;
}

#endif /* __SONDE_ATTRIB_H */
