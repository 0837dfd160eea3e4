// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpconnlat: the time from SYN sent to the end of the handshake of every active TCP open, with
 * who made it; refused (RST) and failed handshakes too, which upstream drops. Events, plus log2
 * histograms in microseconds aggregated here (one for established, one for failed handshakes).
 *
 *   tcpconnlat_sk  tp_btf/inet_sock_set_state:
 *                  CLOSE->SYN_SENT (caller's context): connect_track.h's connect_begin fills
 *                  connect_starts (owner, start time);
 *                  SYN_SENT->ESTABLISHED, SYN_SENT->CLOSE: the end (a RST in SYN_SENT is tcp_reset ->
 *                  tcp_done_with_error: sk_err = ECONNREFUSED, then CLOSE, so no receive_reset hook is
 *                  needed); emits, counts and empties the connect_starts entry. Every SYN_SENT socket
 *                  leaves SYN_SENT through one of these two (tcp_destroy_sock only runs after CLOSE),
 *                  and the LRU bounds entries of sockets that were mid-handshake at attach.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "sk_event.h"
#include "events.h"
#include "connect_track.h"
#include "log2.h"
#include "maps.h"
#include "tcpconnlat.h"

const volatile __u64 targ_min_us = 0; /* events only at or above this latency (upstream -m); hists count all */
const volatile bool targ_by_cgroup = false; /* one pair of histograms per socket cgroup (by pod/container) */

/*
 * Filled at the end of each handshake; read (never emptied) by user space at the end of the job.
 * A full map (more than 1024 cgroups) drops new keys, never old ones.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPCONNLAT_MAX_HISTS);
	__type(key, struct tcpconnlat_hist_key);
	__type(value, struct tcpconnlat_hist);
} hists SEC(".maps");

static const struct tcpconnlat_hist hist_zero;

static __always_inline void record(const struct sock *sk, __u32 idx, __u64 us)
{
	struct tcpconnlat_hist_key key = { .idx = idx };
	struct tcpconnlat_hist *h;

	if (targ_by_cgroup)
		key.cgroup = sk_cgroup_id(sk);
	h = map_lookup_or_try_init(&hists, &key, &hist_zero);
	if (!h)
		return;
	__sync_fetch_and_add(&h->slots[log2_slot(us, TCPCONNLAT_MAX_SLOTS)], 1);
	__sync_fetch_and_add(&h->sum, us);
	__sync_fetch_and_add(&h->cnt, 1);
	/* min/max: read-compare-write, see tcprtt.bpf.c. The array starts zeroed, so min1 holds min + 1
	 * (0 = no sample yet) */
	if (!h->min1 || us + 1 < h->min1)
		h->min1 = us + 1;
	if (us > h->max)
		h->max = us;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcpconnlat_sk, struct sock *sk, int oldstate, int newstate)
{
	struct tcpconnlat_event *e;
	struct connect_start *s;
	__u64 lat_ns, us;

	s = connect_track(sk, oldstate, newstate, false);
	if (!s)
		return 0;
	if (!tuple_wanted(&s->t))
		goto out;

	lat_ns = s->end_ns - s->ts_ns;
	us = lat_ns / 1000;
	record(sk, newstate == SONDE_TCP_ESTABLISHED ? TCPCONNLAT_HIST_OK : TCPCONNLAT_HIST_FAILED, us);
	if (us < targ_min_us)
		goto out;

	e = event_reserve(sizeof(*e));
	if (!e)
		goto out;
	sk_event_head_fill(&e->h, sk, &s->t, &s->o);
	e->lat_ns = lat_ns;
	e->err = s->err;
	e->state = newstate;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	event_submit(e);
out:
	connect_forget(sk);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
