// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcprtt: histograms of the kernel's smoothed RTT of established TCP connections, sampled on
 * every received segment, like bcc's tcprtt. Aggregated here; user space only reads `hists`.
 *
 * Two variants of one hook; the loader autoloads exactly one program:
 *   tcprtt_tp_btf  tp_btf/tcp_probe: raw BTF tracepoint at the top of tcp_rcv_established(),
 *                  upstream's fentry site; needs no tracefs.
 *   tcprtt_tp      tracepoint/tcp/tcp_probe: the classic tracepoint, whose record already
 *                  carries the tuple and srtt; needs tracefs to attach.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "tcprtt.h"
#include "log2.h"
#include "maps.h"
#include "sock.h"
#include "tuple_filter.h"
#include "netns.h"
#include "owner_filter.h"

/*
 * Filters: tuple_filter.h, netns.h's targ_netns and owner_filter.h's owner filter (all zero = trace
 * everything; the classic tracepoint's record has no socket on every kernel, so user space refuses
 * netns, owner filters and grouping by owner on that variant).
 * Output shape:
 */
const volatile bool targ_ms = false;          /* histogram in msecs instead of usecs */
const volatile __u8 targ_by = TCPRTT_BY_NONE; /* one histogram per local / remote address */

/*
 * Filled by both tcp_probe handlers; emptied by user space only (read at the end or at each
 * interval; never cleared in the kernel). max_entries bounds the number of distinct addresses
 * when grouping: a full map drops new keys, never old ones.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPRTT_MAX_ENTRIES);
	__type(key, struct hist_key);
	__type(value, struct hist);
} hists SEC(".maps");

/* the value a new key starts from; min starts at ~0 so the first sample always replaces it */
static const struct hist hist_init = { .min = ~0ULL };

static __always_inline int record(const struct sock *sk, const struct sock_tuple *t, __u64 srtt)
{
	struct hist_key key = {};
	struct hist *h;

	if (targ_ms)
		srtt /= 1000;

	if (targ_by == TCPRTT_BY_LADDR) {
		key.family = t->family;
		__builtin_memcpy(key.addr, t->laddr, sizeof(key.addr));
	} else if (targ_by == TCPRTT_BY_RADDR) {
		key.family = t->family;
		__builtin_memcpy(key.addr, t->raddr, sizeof(key.addr));
	} else if (targ_by == TCPRTT_BY_CGROUP && sk) {
		key.cgroup = sk_cgroup_id(sk);
	}

	h = map_lookup_or_try_init(&hists, &key, &hist_init);
	if (!h)
		return 0;

	/* log2_slot clamps, so the variable index into slots[] is provably in bounds */
	__sync_fetch_and_add(&h->slots[log2_slot(srtt, TCPRTT_MAX_SLOTS)], 1);
	__sync_fetch_and_add(&h->latency, srtt);
	__sync_fetch_and_add(&h->cnt, 1);
	/*
	 * min/max are read-compare-write, not atomic (BPF has no atomic min/max): two CPUs updating
	 * the same key in the same instant can lose one of their two values here. Counts and sums
	 * are exact; [min, max] can rarely come out a little narrow.
	 */
	if (srtt < h->min)
		h->min = srtt;
	if (srtt > h->max)
		h->max = srtt;
	return 0;
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(tcprtt_tp_btf, struct sock *sk, struct sk_buff *skb)
{
	struct sock_tuple t;
	__u32 srtt_us;

	if (!sock_tuple_read(&t, sk) || !tuple_wanted(&t) || !netns_allowed(sk) || !sk_owner_allowed(sk))
		return 0;
	/* srtt_us is 8x the smoothed RTT in usecs; 0 means no RTT sample yet: not a 0 us RTT */
	srtt_us = BPF_CORE_READ((struct tcp_sock *)sk, srtt_us);
	if (!srtt_us)
		return 0;
	return record(sk, &t, srtt_us >> 3);
}

SEC("tracepoint/tcp/tcp_probe")
int tcprtt_tp(struct trace_event_raw_tcp_probe *ctx)
{
	struct sock_tuple t;
	__u32 srtt;

	/* sport/dport are already host order here; saddr/daddr hold a sockaddr_in or _in6 */
	if (!sock_tuple_from_sockaddrs(&t, ctx->family, ctx->sport, ctx->dport, ctx->saddr, ctx->daddr) ||
	    !tuple_wanted(&t))
		return 0;
	/* the record holds srtt_us >> 3, so "no sample yet" and "< 1 us" both read 0: skip it */
	srtt = ctx->srtt;
	if (!srtt)
		return 0;
	return record(NULL, &t, srtt);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
