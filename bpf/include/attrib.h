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
 * it after their own last use (owner_forget). tcpstates keeps the owner in its own per-socket state
 * (sk_state) instead and calls owner_on_kept() directly; without accept hooks, a passive child keeps its
 * listener's owner until its own process context (close, shutdown) names the real one.
 */
#ifndef __SONDE_ATTRIB_H
#define __SONDE_ATTRIB_H

#include <vmlinux.h>
#include "layout.h"
#include "task.h"
#include "states.h"
#include "close.h"

struct SONDE_SHARED listen_key {
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

/* what owner_on_kept() did with the kept owner */
enum owner_step {
	OWNER_UNKNOWN = 0, /* no owner known for this event */
	OWNER_KEPT,	   /* the kept owner stands, unchanged */
	OWNER_LEARNED,	   /* the kept owner was (re)written: a caller keeping it elsewhere stores it */
};

/*
 * The owner rules on a state change, over the socket's kept owner `*kept` (valid when *have):
 *   connect, listen       the current task (process context, socket locked): owner from now on
 *   passive child         no owner yet: its listener's (listen_owners), marked SONDE_OWNER_LISTENER
 *   own process context   a listener-given owner yields to the task holding the socket lock
 *                         (close/shutdown by the process that accepted it)
 *   close(2)              no owner yet: the closing task (close.h's rule)
 * Where the kept owner lives is the caller's business: tcpstates' per-socket state, or sk_owners
 * (owner_on_state below).
 */
static __always_inline enum owner_step owner_on_kept(const struct sock *sk, int oldstate, int newstate,
						      struct owner *kept, __u8 *have)
{
	struct listen_key lk;
	struct owner *o;

	if ((newstate == SONDE_TCP_SYN_SENT || newstate == SONDE_TCP_LISTEN) && oldstate == SONDE_TCP_CLOSE &&
	    sk_locked_by_task(sk)) {
		owner_current(kept);
		*have = 1;
		if (newstate == SONDE_TCP_LISTEN) {
			listen_key_of(sk, &lk);
			bpf_map_update_elem(&listen_owners, &lk, kept, BPF_ANY);
		}
		return OWNER_LEARNED;
	}
	if (oldstate == SONDE_TCP_LISTEN && newstate == SONDE_TCP_CLOSE) {
		listen_key_of(sk, &lk);
		bpf_map_delete_elem(&listen_owners, &lk);
	}
	if (*have) {
		if (kept->how == SONDE_OWNER_LISTENER && sk_locked_by_task(sk)) {
			owner_current(kept);
			return OWNER_LEARNED;
		}
		return OWNER_KEPT;
	}
	/* a passive child before accept(): the listener's owner, remembered for its later events */
	if ((oldstate == SONDE_TCP_LISTEN && newstate != SONDE_TCP_CLOSE) || oldstate == SONDE_TCP_SYN_RECV ||
	    oldstate == SONDE_TCP_NEW_SYN_RECV) {
		listen_key_of(sk, &lk);
		o = bpf_map_lookup_elem(&listen_owners, &lk);
		if (o) {
			__builtin_memcpy(kept, o, sizeof(*kept));
			kept->how = SONDE_OWNER_LISTENER;
			*have = 1;
			return OWNER_LEARNED;
		}
	}
	if (sk_closed_by_current(sk, oldstate, newstate)) {
		owner_current(kept);
		*have = 1;
		return OWNER_LEARNED;
	}
	return OWNER_UNKNOWN;
}

/*
 * owner_on_kept() with the owner kept in sk_owners: the socket's owner for this event, copied
 * into *buf; NULL when unknown.
 */
static __always_inline struct owner *owner_on_state(const struct sock *sk, int oldstate, int newstate,
						    struct owner *buf)
{
	struct owner *o = owner_lookup(sk);
	__u8 have = 0;

	if (o) {
		__builtin_memcpy(buf, o, sizeof(*buf));
		have = 1;
	}
	switch (owner_on_kept(sk, oldstate, newstate, buf, &have)) {
	case OWNER_LEARNED:
		owner_remember(sk, buf);
		return buf;
	case OWNER_KEPT:
		return buf;
	default:
		return NULL;
	}
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

/* accept(2)/accept4(2) exit (hooks.h SONDE_ACCEPT_HOOKS): the accepting process becomes the socket's owner */
static __always_inline int owner_accept_exit(long ret)
{
	struct owner buf;

	owner_on_accept(ret, &buf);
	return 0;
}

#endif /* __SONDE_ATTRIB_H */
