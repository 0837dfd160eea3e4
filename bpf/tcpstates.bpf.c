// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstates: every TCP state change as an event (socket, owner, tuple, old -> new, time in the old
 * state), like bcc's tcpstates; plus, aggregated here, per-state dwell-time histograms and counts
 * per transition. Filters run before anything is reserved in the ring buffer.
 *
 * Variants (the loader attaches one set):
 *   tp_btf      tcpstates_btf (tp_btf/inet_sock_set_state) + the accept hooks
 *   tracepoint  tcpstates_tp (tracepoint/sock/inet_sock_set_state) + the accept hooks
 *   tp_btf_only tcpstates_btf alone, when tracefs cannot be mounted: passive sockets then have
 *               no owner until their close
 * The accept hooks (syscalls/sys_exit_accept4, sys_exit_accept) only learn owners (attrib.h).
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "sk_event.h"
#include "tuple_filter.h"
#include "events.h"
#include "attrib.h"
#include "log2.h"
#include "tcpstates.h"

/*
 * sk -> CLOCK_MONOTONIC ns of its last state change. Filled by every state change of every TCP
 * socket (unfiltered, so a filter cannot make the next dwell time unknown); emptied at -> CLOSE.
 * LRU so sockets whose CLOSE we never see cannot fill it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TCPSTATES_MAX_SOCKS);
	__type(key, __u64);
	__type(value, __u64);
} sk_ts SEC(".maps");

/* state left -> dwell histogram; filled by events that pass the filters; read by user space */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TCPSTATES_NSTATES);
	__type(key, __u32);
	__type(value, struct tcpstates_dwell);
} dwell SEC(".maps");

/* old * 13 + new -> count; filled by events that pass the filters; read by user space */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TCPSTATES_NSTATES * TCPSTATES_NSTATES);
	__type(key, __u32);
	__type(value, __u64);
} transitions SEC(".maps");

static __always_inline int handle(const struct sock *sk, int oldstate, int newstate)
{
	struct tcpstates_event *e;
	struct sock_tuple t;
	struct owner buf, *o;
	__u64 now = bpf_ktime_get_ns(), key = (__u64)sk, delta = 0, *prev;
	__u32 idx;
	__u8 known = 0;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;

	prev = bpf_map_lookup_elem(&sk_ts, &key);
	if (prev && now >= *prev) {
		delta = now - *prev;
		known = 1;
	}
	/*
	 * An existing entry is overwritten in place (an aligned 8-byte store): an LRU hash update
	 * allocates a fresh node and frees the old one under the LRU lock, the costliest step of the
	 * event when every socket changes state ~5 times.
	 */
	if (newstate == SONDE_TCP_CLOSE)
		bpf_map_delete_elem(&sk_ts, &key);
	else if (prev)
		*prev = now;
	else
		bpf_map_update_elem(&sk_ts, &key, &now, BPF_ANY);

	o = owner_on_state(sk, oldstate, newstate, &buf);
	if (!sock_tuple_read(&t, sk) || !tuple_wanted(&t) || !netns_allowed(sk))
		goto out;
	if (task_filter_on() && (!o || !owner_allowed(o)))
		goto out;

	if (oldstate > 0 && oldstate < TCPSTATES_NSTATES && newstate > 0 && newstate < TCPSTATES_NSTATES) {
		__u64 *cnt;
		struct tcpstates_dwell *d;

		idx = oldstate * TCPSTATES_NSTATES + newstate;
		cnt = bpf_map_lookup_elem(&transitions, &idx);
		if (cnt)
			__sync_fetch_and_add(cnt, 1);
		idx = oldstate;
		d = known ? bpf_map_lookup_elem(&dwell, &idx) : NULL;
		if (d) {
			__u64 us = delta / 1000;

			/* d->cnt stays 0: the count is the sum of the slots (one atomic less per event) */
			__sync_fetch_and_add(&d->slots[log2_slot(us, TCPSTATES_MAX_SLOTS)], 1);
			__sync_fetch_and_add(&d->sum, us);
		}
	}

	e = event_reserve(sizeof(*e));
	if (e) {
		sk_event_head_fill(&e->h, sk, &t, o);
		e->h.ts_ns = now;
		e->delta_ns = delta;
		e->oldstate = oldstate;
		e->newstate = newstate;
		e->known = known;
		__builtin_memset(e->pad, 0, sizeof(e->pad));
		event_submit(e);
	}
out:
	if (newstate == SONDE_TCP_CLOSE)
		owner_forget(sk);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcpstates_btf, const struct sock *sk, const int oldstate, const int newstate)
{
	return handle(sk, oldstate, newstate);
}

/* the record's own copy of the tuple is not used: the sk pointer read with CO-RE gives the same */
SEC("tracepoint/sock/inet_sock_set_state")
int tcpstates_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	return handle((const struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int tcpstates_acc4(struct trace_event_raw_sys_exit *ctx)
{
	struct owner buf;

	owner_on_accept(ctx->ret, &buf);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int tcpstates_acc(struct trace_event_raw_sys_exit *ctx)
{
	struct owner buf;

	owner_on_accept(ctx->ret, &buf);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
