/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whose traffic: the socket's own cgroup v2 id, and the owner filter over it.
 *
 * The socket keeps the cgroup it was created in (sk->sk_cgrp_data.cgroup: cgroup_sk_alloc() at
 * creation, cgroup_sk_clone() for a listener's accepted children), readable in any context. Softirq
 * events (a passive ESTABLISHED, a retransmit from a timer, a drop) run on whatever task the CPU was
 * in, so `current`'s cgroup names the wrong owner there; the socket's never does. Its id is the
 * cgroup's kernfs node id, the inode of the cgroup directory: the number bpf_get_current_cgroup_id()
 * returns and probe-sdk owner/ resolves to a container and pod in user space.
 *
 * Owner filter (the job's container/pod/podSelector/cgroup, turned into cgroup ids in user space:
 * probe-sdk ownerCgroupIds):
 *   targ_owner_filter  __u8 rodata: 1 = only sockets whose cgroup is in owner_cgroups
 *   owner_cgroups      cgroup id -> 1; 0 = taken out by a refresh. The loader fills it after load
 *                      and before attach, and rewrites it while the job runs when the control plane's
 *                      set changes (a pod started, a selector matched a relabelled pod). Entries are
 *                      zeroed rather than deleted so a refresh is one update per change; the loader
 *                      clears and refills the map before it would overflow.
 * Off (the default), the filter costs nothing: the verifier prunes the lookup.
 */
#ifndef __SONDE_OWNER_FILTER_H
#define __SONDE_OWNER_FILTER_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "states.h"

#define SONDE_OWNER_FILTER_MAX 1024

const volatile __u8 targ_owner_filter = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SONDE_OWNER_FILTER_MAX);
	__type(key, __u64);
	__type(value, __u8);
} owner_cgroups SEC(".maps");

/*
 * The cgroup v2 id of a socket; 0 when the kernel keeps none (no CONFIG_SOCK_CGROUP_DATA) or the
 * socket is a time-wait mini socket (struct inet_timewait_sock has no cgroup data). A request sock
 * (NEW_SYN_RECV: a connection before the handshake ends) is not a full socket either: reading
 * sk_cgrp_data past its end would read whatever follows it in the slab, so its listener is asked.
 */
static __always_inline __u64 sk_cgroup_id(const struct sock *sk)
{
	struct request_sock *req;
	struct sock *s = (struct sock *)sk;
	__u8 state;

	if (!s || !bpf_core_field_exists(s->sk_cgrp_data.cgroup))
		return 0;
	state = BPF_CORE_READ(s, __sk_common.skc_state);
	if (state == SONDE_TCP_TIME_WAIT)
		return 0;
	if (state == SONDE_TCP_NEW_SYN_RECV) {
		req = (struct request_sock *)s;
		s = BPF_CORE_READ(req, __req_common.skc_listener); /* rsk_listener */
		if (!s)
			return 0;
	}
	/* a NULL cgroup or kn makes the chained read fail, and a failed read yields 0 */
	return BPF_CORE_READ(s, sk_cgrp_data.cgroup, kn, id);
}

/* a cgroup id against the owner filter (true when the filter is off) */
static __always_inline bool cgroup_allowed(__u64 id)
{
	__u8 *on;

	if (!targ_owner_filter)
		return true;
	on = bpf_map_lookup_elem(&owner_cgroups, &id);
	return on && *on;
}

/* a socket against the owner filter: its own cgroup, whatever task the CPU is in */
static __always_inline bool sk_owner_allowed(const struct sock *sk)
{
	return !targ_owner_filter || cgroup_allowed(sk_cgroup_id(sk));
}

#endif /* __SONDE_OWNER_FILTER_H */
