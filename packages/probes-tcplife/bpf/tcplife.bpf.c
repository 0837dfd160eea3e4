// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcplife: one event per TCP session when it closes — owner, tuple, bytes sent (acked) and
 * received, lifetime — like bcc's tcplife, from inet_sock_set_state alone; plus duration and byte
 * histograms aggregated here.
 *
 * Owner (attrib.h): the connecting task (CLOSE -> SYN_SENT), the accepting task (sys_exit_accept4 /
 * sys_exit_accept: upstream cannot see it and shows whoever was on the CPU, bcc #834), or failing
 * both the closing task (close.h). Variants as in tcpstates: tp_btf | tracepoint | tp_btf_only.
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
#include "tcplife.h"

/*
 * sk -> CLOCK_MONOTONIC ns of its birth: the first change into a state below FIN_WAIT1 (SYN_SENT
 * for active opens, SYN_RECV for passive ones; BPF_NOEXIST keeps the first, where upstream
 * overwrites it at ESTABLISHED). Emptied at -> CLOSE. LRU: sessions that never close cannot fill it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TCPLIFE_MAX_SOCKS);
	__type(key, __u64);
	__type(value, struct birth);
} births SEC(".maps");

struct birth {
	__u64 ts;
	__u64 active; /* born by connect() (SYN_SENT) */
};

/*
 * bytes_acked counts every sequence number the peer acknowledged, bytes_received every one that
 * arrived in order: both include a SYN or FIN where one was acked or received. Payload is what
 * people mean by "bytes sent": take those out.
 *   SYN: an active open's SYN is acked through tcp_ack() (+1 once established; a passive child
 *        starts with snd_una past its SYN-ACK, so nothing to remove there).
 *   FIN sent and acked: we left a FIN state and snd_una reached write_seq, which counts the FIN.
 *   FIN received: tcp_fin() sets SOCK_DONE (and only it does, for TCP).
 */
static __always_inline __u64 payload_tx(const struct sock *sk, int oldstate, bool active)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	__u64 acked = BPF_CORE_READ(tp, bytes_acked);
	bool fin_state = oldstate == SONDE_TCP_FIN_WAIT1 || oldstate == SONDE_TCP_FIN_WAIT2 ||
			 oldstate == SONDE_TCP_CLOSING || oldstate == SONDE_TCP_LAST_ACK;

	if (active && acked)
		acked--;
	if (fin_state && acked && BPF_CORE_READ(tp, snd_una) == BPF_CORE_READ(tp, write_seq))
		acked--;
	return acked;
}

static __always_inline __u64 payload_rx(const struct sock *sk)
{
	__u64 rx = BPF_CORE_READ((const struct tcp_sock *)sk, bytes_received);

	if (rx && (BPF_CORE_READ(sk, __sk_common.skc_flags) & (1UL << SOCK_DONE)))
		rx--;
	return rx;
}

/* TCPLIFE_HIST_* -> histogram; filled at -> CLOSE for sessions that pass the filters; read by user space */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TCPLIFE_NHISTS);
	__type(key, __u32);
	__type(value, struct tcplife_hist);
} hists SEC(".maps");

static __always_inline void hist_add(__u32 idx, __u64 v)
{
	struct tcplife_hist *h = bpf_map_lookup_elem(&hists, &idx);

	if (!h)
		return;
	__sync_fetch_and_add(&h->slots[log2_slot(v, TCPLIFE_MAX_SLOTS)], 1);
	__sync_fetch_and_add(&h->sum, v);
	__sync_fetch_and_add(&h->cnt, 1);
}

static __always_inline int handle(const struct sock *sk, int oldstate, int newstate)
{
	struct tcplife_event *e;
	struct sock_tuple t;
	struct owner buf, *o;
	struct birth *birth, b = {};
	__u64 now = bpf_ktime_get_ns(), key = (__u64)sk, start, tx, rx;
	bool active;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	o = owner_on_state(sk, oldstate, newstate, &buf);
	if (newstate < SONDE_TCP_FIN_WAIT1) {
		b.ts = now;
		b.active = newstate == SONDE_TCP_SYN_SENT;
		bpf_map_update_elem(&births, &key, &b, BPF_NOEXIST);
		return 0;
	}
	if (newstate != SONDE_TCP_CLOSE)
		return 0;

	birth = bpf_map_lookup_elem(&births, &key);
	if (!birth)
		goto out; /* born before the job, or never established (listener) */
	start = birth->ts;
	active = birth->active;
	bpf_map_delete_elem(&births, &key);

	if (!sock_tuple_read(&t, sk) || !tuple_wanted(&t) || !netns_allowed(sk) || !sk_owner_allowed(sk))
		goto out;
	if (task_filter_on() && (!o || !owner_allowed(o)))
		goto out;

	tx = payload_tx(sk, oldstate, active);
	rx = payload_rx(sk);
	hist_add(TCPLIFE_HIST_DURATION, (now - start) / 1000);
	hist_add(TCPLIFE_HIST_TX, tx);
	hist_add(TCPLIFE_HIST_RX, rx);

	e = event_reserve(sizeof(*e));
	if (e) {
		sk_event_head_fill_at(&e->h, sk, &t, o, now);
		e->tx_bytes = tx;
		e->rx_bytes = rx;
		e->dur_ns = now - start;
		event_submit(e);
	}
out:
	owner_forget(sk);
	return 0;
}

SONDE_STATE_HOOKS(handle, tcplife_btf, tcplife_tp)

SONDE_ACCEPT_HOOKS(owner_accept_exit, tcplife_acc4, tcplife_acc)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
