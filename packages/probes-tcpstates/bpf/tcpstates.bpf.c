// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpstates: every TCP state change as an event (socket, owner, tuple, old -> new, time in the old
 * state), like bcc's tcpstates; plus, aggregated here, per-state dwell-time histograms and counts
 * per transition. Filters run before anything is reserved in the ring buffer.
 *
 * Variants (the loader attaches one):
 *   tp_btf      tcpstates_btf (tp_btf/inet_sock_set_state)
 *   tracepoint  tcpstates_tp (tracepoint/sock/inet_sock_set_state), where tp_btf is missing
 * Only the state-change tracepoint: no syscall tracepoints (enabling any of them sends every
 * syscall of every task on the host through the slow path, ~10 % of a connection-churn workload).
 * A passive socket is therefore attributed to its listener until its own process context (close,
 * shutdown) names the task that accepted it (attrib.h).
 *
 * The hot path costs per event: one hash lookup (plus an insert at a socket's first event and a
 * delete at its last), per-CPU counters without atomics, one ring-buffer reservation. Measured
 * under connection churn (npm run bench:tcpstates): ~370 ns per event with an LRU hash with
 * per-CPU lists; ~460 ns with socket-local storage (BPF_MAP_TYPE_SK_STORAGE), whose allocation,
 * memcg charge and RCU-deferred free at socket destruction cost more than the hash's
 * preallocated nodes; ~490 ns with the two shared-list LRU hashes used before.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "hooks.h"
#include "sk_event.h"
#include "tuple_filter.h"
#include "events.h"
#include "attrib.h"
#include "log2.h"
#include "tcpstates.h"

/* what tcpstates keeps per socket: from its first state change seen until -> CLOSE */
struct sk_state {
	__u64 ts; /* CLOCK_MONOTONIC ns of its last state change; 0 = not seen */
	struct owner o;
	__u8 have_owner;
	__u8 pending_syn_recv; /* its LISTEN -> SYN_RECV waits for the peer's address (see handle) */
	__u8 pad[6];
};

/*
 * sk pointer -> state. LRU, so sockets whose CLOSE we never see cannot fill it; per-CPU LRU lists
 * (BPF_F_NO_COMMON_LRU), so inserts on both CPUs do not serialise on one list lock.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, TCPSTATES_MAX_SOCKS);
	__type(key, __u64);
	__type(value, struct sk_state);
} sk_state SEC(".maps");

/* state left -> dwell histogram, per CPU (user space sums); filled by events that pass the filters */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCPSTATES_NSTATES);
	__type(key, __u32);
	__type(value, struct tcpstates_dwell);
} dwell SEC(".maps");

/* old * 13 + new -> count, per CPU (user space sums); filled by events that pass the filters */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCPSTATES_NSTATES * TCPSTATES_NSTATES);
	__type(key, __u32);
	__type(value, __u64);
} transitions SEC(".maps");

/* the socket's state, created zeroed when `create` and not there yet */
static __always_inline struct sk_state *state_of(const struct sock *sk, bool create)
{
	struct sk_state zero = {};
	__u64 key = (__u64)sk;
	struct sk_state *st;

	st = bpf_map_lookup_elem(&sk_state, &key);
	if (st || !create)
		return st;
	bpf_map_update_elem(&sk_state, &key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&sk_state, &key);
}

/* one state change that passed the tracking: filters, in-kernel counts, the event */
static __always_inline void emit_change(const struct sock *sk, const struct sock_tuple *t, struct owner *o,
					int oldstate, int newstate, __u64 ts, __u64 delta, __u8 known)
{
	struct tcpstates_event *e;
	__u32 idx;

	if (!tuple_wanted(t) || !netns_allowed(sk) || !sk_owner_allowed(sk))
		return;
	if (task_filter_on() && (!o || !owner_allowed(o)))
		return;

	if (oldstate > 0 && oldstate < TCPSTATES_NSTATES && newstate > 0 && newstate < TCPSTATES_NSTATES) {
		__u64 *cnt;
		struct tcpstates_dwell *d;

		/* per-CPU values: plain increments (a program does not nest on its CPU) */
		idx = oldstate * TCPSTATES_NSTATES + newstate;
		cnt = bpf_map_lookup_elem(&transitions, &idx);
		if (cnt)
			*cnt += 1;
		idx = oldstate;
		d = known ? bpf_map_lookup_elem(&dwell, &idx) : NULL;
		if (d) {
			__u64 us = delta / 1000;

			/* d->cnt stays 0: the count is the sum of the slots */
			d->slots[log2_slot(us, TCPSTATES_MAX_SLOTS)] += 1;
			d->sum += us;
		}
	}

	e = event_reserve(sizeof(*e));
	if (e) {
		sk_event_head_fill_at(&e->h, sk, t, o, ts);
		e->delta_ns = delta;
		e->oldstate = oldstate;
		e->newstate = newstate;
		e->known = known;
		__builtin_memset(e->pad, 0, sizeof(e->pad));
		event_submit(e);
	}
}

static __always_inline int handle(const struct sock *sk, int oldstate, int newstate)
{
	struct sock_tuple t;
	struct sk_state *st;
	struct owner *o = NULL, unkept;
	__u8 unkept_have = 0;
	__u64 now = bpf_ktime_get_ns(), delta = 0, pending_ts = 0;
	__u8 known = 0;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;

	/* every TCP socket is tracked, unfiltered, so a filter cannot make the next dwell time unknown */
	st = state_of(sk, newstate != SONDE_TCP_CLOSE);
	if (st) {
		if (st->ts && now >= st->ts) {
			delta = now - st->ts;
			known = 1;
		}
		if (st->pending_syn_recv) {
			pending_ts = st->ts;
			st->pending_syn_recv = 0;
		}
		st->ts = now;
		if (owner_on_kept(sk, oldstate, newstate, &st->o, &st->have_owner) != OWNER_UNKNOWN)
			o = &st->o;
	} else if (owner_on_kept(sk, oldstate, newstate, &unkept, &unkept_have) != OWNER_UNKNOWN) {
		/* first seen at its -> CLOSE (or the map was full): the rules still apply to this event */
		o = &unkept;
	}

	if (!sock_tuple_read(&t, sk))
		goto out;
	/*
	 * A passive child's LISTEN -> SYN_RECV: some kernels (6.1 and 6.12 measured; 6.18 not) change its state while it is still a
	 * bare copy of the listener (inet_csk_clone_lock sets the peer's port after the change), so the
	 * tuple has no remote side and the port filters would judge the listener's. Such an event waits in
	 * the socket's state and goes out, with the tuple complete, just before the child's next change
	 * (SYN_RECV -> ESTABLISHED in the same softirq, or -> CLOSE).
	 */
	if (oldstate == SONDE_TCP_LISTEN && newstate == SONDE_TCP_SYN_RECV && !t.rport && st) {
		st->pending_syn_recv = 1;
		return 0;
	}
	if (pending_ts)
		emit_change(sk, &t, o, SONDE_TCP_LISTEN, SONDE_TCP_SYN_RECV, pending_ts, 0, 0);
	emit_change(sk, &t, o, oldstate, newstate, now, delta, known);
out:
	/* the socket may be used again (connect after a failed connect): it starts over */
	if (st && newstate == SONDE_TCP_CLOSE) {
		__u64 key = (__u64)sk;

		bpf_map_delete_elem(&sk_state, &key);
	}
	return 0;
}

SONDE_STATE_HOOKS(handle, tcpstates_btf, tcpstates_tp)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
