// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcppktlat: how long received TCP data waits before the process reads it, like bcc's tcppktlat.
 *
 *   tcppktlat_rcv      tp_btf/tcp_probe (top of tcp_rcv_established, softirq or backlog):
 *                      a segment with payload arrives -> `pending[sk]` {first, last} arrival
 *   tcppktlat_read     tp_btf/tcp_rcv_space_adjust (tcp_recvmsg, in the reader's context):
 *                      latency = now - first unread arrival -> histogram, event when >= min
 *   tcppktlat_destroy  tp_btf/tcp_destroy_sock: forget the socket
 *
 * Upstream keys the same way but overwrites the arrival on every segment, so a read of several
 * queued segments measures from the *last* one; here it is the *oldest* unread one.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "tcppktlat.h"
#include "events.h"
#include "log2.h"
#include "sk_event.h"
#include "sock.h"
#include "task.h"
#include "tuple_filter.h"

const volatile __u64 targ_min_us = 0;
const volatile __u32 targ_tid = 0;

struct arrival {
	__u64 first; /* oldest segment not yet read */
	__u64 last;  /* newest segment */
};

/*
 * sk -> arrival. Filled by tcppktlat_rcv, emptied by tcppktlat_read once everything received was
 * read, and by tcppktlat_destroy. LRU: a socket whose destroy we miss cannot pin an entry forever.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TCPPKTLAT_MAX_SOCKS);
	__type(key, __u64);
	__type(value, struct arrival);
} pending SEC(".maps");

/* one histogram, filled by tcppktlat_read, read by user space at the end */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pktlat_hist);
} hist SEC(".maps");

SEC("tp_btf/tcp_probe")
int BPF_PROG(tcppktlat_rcv, struct sock *sk, struct sk_buff *skb)
{
	struct sock_tuple t;
	struct arrival a, *ap;
	__u64 key = (__u64)sk;
	unsigned char *data;
	__u8 doff;

	/* skb->data is the TCP header here; no payload (pure ACK) = nothing for a reader */
	data = BPF_CORE_READ(skb, data);
	if (bpf_probe_read_kernel(&doff, 1, data + 12))
		return 0;
	if (BPF_CORE_READ(skb, len) <= (__u32)(doff >> 4) * 4)
		return 0;
	if (!netns_allowed(sk) || !sk_owner_allowed(sk) || !sock_tuple_read(&t, sk) || !tuple_wanted(&t))
		return 0;

	a.first = a.last = bpf_ktime_get_ns();
	ap = bpf_map_lookup_elem(&pending, &key);
	if (ap)
		ap->last = a.last;
	else
		bpf_map_update_elem(&pending, &key, &a, BPF_NOEXIST);
	return 0;
}

static __always_inline void hist_add(__u64 us)
{
	__u32 zero = 0;
	struct pktlat_hist *h = bpf_map_lookup_elem(&hist, &zero);

	if (!h)
		return;
	__sync_fetch_and_add(&h->slots[log2_slot(us, TCPPKTLAT_MAX_SLOTS)], 1);
	__sync_fetch_and_add(&h->sum, us);
	__sync_fetch_and_add(&h->cnt, 1);
	/*
	 * read-compare-write: two CPUs at the same instant can leave [min, max] a little narrow.
	 * The map starts zeroed, so min is kept as max(~us): 0 means "no sample yet".
	 */
	if (~us > h->min_inv)
		h->min_inv = ~us;
	if (us > h->max)
		h->max = us;
}

SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(tcppktlat_read, struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u64 key = (__u64)sk, now = bpf_ktime_get_ns(), delta;
	struct pktlat_event *e;
	struct arrival *ap;
	struct sock_tuple t;
	struct owner o;

	ap = bpf_map_lookup_elem(&pending, &key);
	if (!ap)
		return 0;
	delta = now - ap->first;
	/* everything received was read: forget; else the rest arrived by `last` at the latest */
	if (BPF_CORE_READ(tp, copied_seq) == BPF_CORE_READ(tp, rcv_nxt))
		bpf_map_delete_elem(&pending, &key);
	else
		ap->first = ap->last;

	owner_current(&o);
	if (!owner_allowed(&o) || (targ_tid && o.tid != targ_tid))
		return 0;
	hist_add(delta / 1000);
	/* >=, not >: a 0 us read is a sample (upstream drops them) */
	if (delta / 1000 < targ_min_us)
		return 0;
	if (!sock_tuple_read(&t, sk))
		return 0;
	e = event_reserve(sizeof(*e));
	if (!e)
		return 0;
	sk_event_head_fill(&e->h, sk, &t, &o);
	e->delta_ns = delta;
	event_submit(e);
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(tcppktlat_destroy, struct sock *sk)
{
	__u64 key = (__u64)sk;

	bpf_map_delete_elem(&pending, &key);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
