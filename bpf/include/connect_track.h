/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The inet_sock_set_state handler body of the active-open probes (tcpconnect, tcpconnlat), over
 * connect.h and the common filters (task.h, tuple_filter.h):
 *   CLOSE -> SYN_SENT        in the connecting task: if the task, netns and tuple pass the filters
 *                            (all but lport: the source port is picked after this transition),
 *                            connect_begin() fills connect_starts.
 *   SYN_SENT -> ESTABLISHED / CLOSE: connect_resolve() on the entry, which is returned to the probe;
 *                            the probe checks the full tuple_wanted(), emits and empties the entry.
 * Every other transition, and sockets never begun, return NULL.
 */
#ifndef __SONDE_CONNECT_TRACK_H
#define __SONDE_CONNECT_TRACK_H

#include <vmlinux.h>
#include <bpf/bpf_core_read.h>
#include "connect.h"
#include "tuple_filter.h"

static __always_inline struct connect_start *connect_track(struct sock *sk, int oldstate, int newstate,
							   bool track_syscall)
{
	struct connect_start *s;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return NULL;

	if (oldstate == SONDE_TCP_CLOSE && newstate == SONDE_TCP_SYN_SENT) {
		struct sock_tuple t;
		struct owner o;

		/* process context: current is the connecting task */
		owner_current(&o);
		if (!owner_allowed(&o) || !netns_allowed(sk) || !sk_owner_allowed(sk))
			return NULL;
		if (!sock_tuple_read(&t, sk) || !tuple_wanted_but_lport(&t))
			return NULL;
		connect_begin(sk, &o, &t, track_syscall);
		return NULL;
	}

	if (oldstate != SONDE_TCP_SYN_SENT)
		return NULL;
	s = connect_lookup(sk);
	if (s)
		connect_resolve(s, sk, newstate);
	return s;
}

#endif /* __SONDE_CONNECT_TRACK_H */
