// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpretrans: TCP retransmits as events (owner, tuple, state, sequence number, segments), like
 * bcc's tcpretrans, plus per-flow counts aggregated here (upstream -c), always exact.
 *
 *   tcp:tcp_retransmit_skb     since 6.17 it also fires for attempts that failed (err != 0, e.g. the
 *                              qdisc refused the skb): only err == 0 is a retransmit, as TcpRetransSegs
 *                              counts it. tp_btf gives the skb, so TCP_SKB_CB(skb)->seq is readable.
 *                              Before 6.17 the event passes (sk, skb) only (tcpretrans_btf2) and its
 *                              classic record is the tcp_event_sk_skb class (tcpretrans_tp_sk_skb);
 *                              it fired for successful retransmits only, so there is nothing to filter.
 *   tcp:tcp_retransmit_synack  SYN-ACK retransmits of a listener (upstream misses them).
 *   inet_sock_set_state + sys_exit_accept4/accept: owners only (attrib.h), since retransmits run
 *                              from timers and softirq, where `current` is not the socket's owner.
 *   tcp_send_loss_probe        tail-loss probes (upstream -l), no tracepoint: fentry+fexit (or
 *                              kprobe+kretprobe) where the kernel has them. Upstream counts every call;
 *                              the function often only re-arms the timer (one TLP already outstanding,
 *                              nothing sendable, skb still in a host queue). A probe went out iff
 *                              tp->tlp_high_seq was 0 on entry and is set on return (probe_sent:
 *                              tlp_high_seq = snd_nxt), exactly where TcpExtTCPLossProbes is counted.
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
#include "maps.h"
#include "tcpretrans.h"

const volatile bool targ_count = false; /* count mode: aggregate only, no events */
const volatile bool targ_tlp = false;   /* report tail-loss probes (only attached where fentry/kprobe exist) */

/* tuple + cgroup -> counts; filled by both retransmit hooks for what passes the filters; read by user space */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPRETRANS_MAX_FLOWS);
	__type(key, struct tcpretrans_flow_key);
	__type(value, struct tcpretrans_count);
} flows SEC(".maps");

static const struct tcpretrans_count zero;

static __always_inline int record(const struct sock *sk, const struct sock *tuple_sk, __u32 seq, __u32 segs,
				  __u8 state, __u8 type)
{
	struct tcpretrans_event *e;
	struct tcpretrans_count *c;
	struct tcpretrans_flow_key fk = {};
	struct sock_tuple t;
	struct owner *o;

	if (!sock_tuple_read(&t, tuple_sk) || !tuple_wanted(&t) || !netns_allowed(tuple_sk) || !sk_owner_allowed(sk))
		return 0;
	o = owner_lookup(sk);
	if (task_filter_on() && (!o || !owner_allowed(o)))
		return 0;

	__builtin_memcpy(&fk.t, &t, sizeof(fk.t));
	fk.cgroup = sk_cgroup_id(sk);
	c = map_lookup_or_try_init(&flows, &fk, &zero);
	if (c) {
		if (type == TCPRETRANS_TYPE_TLP) {
			__sync_fetch_and_add(&c->tlp, 1);
		} else {
			__sync_fetch_and_add(&c->retransmits, 1);
			__sync_fetch_and_add(&c->segments, segs);
		}
	}
	if (targ_count)
		return 0;
	e = event_reserve(sizeof(*e));
	if (!e)
		return 0;
	sk_event_head_fill(&e->h, tuple_sk, &t, o);
	e->seq = seq;
	e->segs = segs;
	e->state = state;
	e->type = type;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	event_submit(e);
	return 0;
}

static __always_inline int on_retransmit(const struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_skb_cb *cb = (struct tcp_skb_cb *)&skb->cb[0];
	__u32 seq = BPF_CORE_READ(cb, seq);
	__u16 segs = BPF_CORE_READ(cb, tcp_gso_segs);

	return record(sk, sk, seq, segs ? segs : 1, BPF_CORE_READ(sk, __sk_common.skc_state), TCPRETRANS_TYPE_RETRANS);
}

static __always_inline int on_synack(const struct sock *sk, const struct request_sock *req)
{
	__u32 isn = BPF_CORE_READ((struct tcp_request_sock *)req, snt_isn);

	/* the request sock carries the connection's tuple in its sock_common; the listener owns it */
	return record(sk, (const struct sock *)req, isn, 1, SONDE_TCP_SYN_RECV, TCPRETRANS_TYPE_SYNACK);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcpretrans_btf, const struct sock *sk, const struct sk_buff *skb, int err)
{
	if (err)
		return 0;
	return on_retransmit(sk, skb);
}

/* before 6.17: (sk, skb), and only successful retransmits fire */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcpretrans_btf2, const struct sock *sk, const struct sk_buff *skb)
{
	return on_retransmit(sk, skb);
}

/* the classic record before 6.17 (class tcp_event_sk_skb, no err): only the two pointers are read */
struct trace_event_raw_tcp_event_sk_skb {
	const void *skbaddr;
	const void *skaddr;
} __attribute__((preserve_access_index));

SEC("tracepoint/tcp/tcp_retransmit_skb")
int tcpretrans_tp_sk_skb(struct trace_event_raw_tcp_event_sk_skb *ctx)
{
	return on_retransmit((const struct sock *)BPF_CORE_READ(ctx, skaddr), (const struct sk_buff *)BPF_CORE_READ(ctx, skbaddr));
}

SEC("tracepoint/tcp/tcp_retransmit_skb")
int tcpretrans_tp(struct trace_event_raw_tcp_retransmit_skb *ctx)
{
	/* `err` exists since 6.17, when failed attempts started to fire the tracepoint */
	if (bpf_core_field_exists(ctx->err) && BPF_CORE_READ(ctx, err))
		return 0;
	return on_retransmit((const struct sock *)ctx->skaddr, (const struct sk_buff *)ctx->skbaddr);
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(tcpretrans_syn, const struct sock *sk, const struct request_sock *req)
{
	return on_synack(sk, req);
}

SEC("tracepoint/tcp/tcp_retransmit_synack")
int tcpretrans_syntp(struct trace_event_raw_tcp_retransmit_synack *ctx)
{
	return on_synack((const struct sock *)ctx->skaddr, (const struct request_sock *)ctx->req);
}

/*
 * Tail-loss probes. Entry notes whether a probe may go out (no TLP outstanding); return reports one
 * when tlp_high_seq got set. fentry/fexit key by sk; kprobe/kretprobe by thread (the return has no
 * arguments), with the sk kept in the value.
 */
struct tlp_entry {
	__u64 sk;
	__u32 armed; /* tlp_high_seq was 0 on entry */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct tlp_entry);
} tlp_pending SEC(".maps");

static __always_inline void tlp_enter(const struct sock *sk, __u64 key)
{
	struct tlp_entry v = { .sk = (__u64)sk };

	if (!targ_tlp)
		return;
	v.armed = BPF_CORE_READ((const struct tcp_sock *)sk, tlp_high_seq) == 0;
	if (v.armed)
		bpf_map_update_elem(&tlp_pending, &key, &v, BPF_ANY);
}

static __always_inline int tlp_exit(__u64 key)
{
	struct tlp_entry *v;
	const struct sock *sk;
	__u32 hseq;

	if (!targ_tlp)
		return 0;
	v = bpf_map_lookup_elem(&tlp_pending, &key);
	if (!v)
		return 0;
	sk = (const struct sock *)v->sk;
	bpf_map_delete_elem(&tlp_pending, &key);
	hseq = BPF_CORE_READ((const struct tcp_sock *)sk, tlp_high_seq);
	if (!hseq)
		return 0;
	return record(sk, sk, hseq, 0, BPF_CORE_READ(sk, __sk_common.skc_state), TCPRETRANS_TYPE_TLP);
}

SEC("fentry/tcp_send_loss_probe")
int BPF_PROG(tcpretrans_tlp_in, struct sock *sk)
{
	tlp_enter(sk, (__u64)sk);
	return 0;
}

SEC("fexit/tcp_send_loss_probe")
int BPF_PROG(tcpretrans_tlp_out, struct sock *sk)
{
	return tlp_exit((__u64)sk);
}

SEC("kprobe/tcp_send_loss_probe")
int BPF_KPROBE(tcpretrans_tlp_kin, struct sock *sk)
{
	tlp_enter(sk, bpf_get_current_pid_tgid());
	return 0;
}

SEC("kretprobe/tcp_send_loss_probe")
int BPF_KRETPROBE(tcpretrans_tlp_kout)
{
	return tlp_exit(bpf_get_current_pid_tgid());
}

/* owners: connect/listen/close learnt here, forgotten at CLOSE */
static __always_inline int on_state(const struct sock *sk, int oldstate, int newstate)
{
	struct owner buf;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (newstate == SONDE_TCP_CLOSE)
		owner_forget(sk);
	else
		owner_on_state(sk, oldstate, newstate, &buf);
	return 0;
}

SONDE_STATE_HOOKS(on_state, tcpretrans_st, tcpretrans_sttp)

SONDE_ACCEPT_HOOKS(owner_accept_exit, tcpretrans_ac4, tcpretrans_acc)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
