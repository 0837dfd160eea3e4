/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The TCP listeners a job watches, one record per listening socket: its address, port, namespace and
 * owning process, its accept queue, and what its own drop counter says — for the listen overflows no
 * hook sees one by one.
 *
 * Where the kernel bumps LINUX_MIB_LISTENDROPS (nstat's TcpExtListenDrops) it also bumps the listener's
 * own drop counter (tcp_listendrop(): sk->sk_drops; 6.18 may keep it in sk->sk_drop_counters). A SYN
 * refused at a full accept queue is consumed, not freed as a drop, so no kfree_skb tracer sees it: the
 * counter does. The counter also takes the segments tcp_v{4,6}_rcv drops against the listener on the way
 * to a request socket (discard_and_relse: a completed handshake that overflows, a deferred bare ACK, a RST
 * to a request): those are kfree_skb drops whose rx_sk is the listener (6.11+; before, the segment that
 * tcp_check_req() last handled on that CPU, seen by fentry/kprobe), counted here in rx_drops and taken
 * off. So a listener's ListenDrops over the job = drops_last - drops_first - rx_drops.
 *
 * Filled by:
 *   listener_note()     iter/task_file passes over every process's sockets (all namespaces: the pass
 *                       walks tasks, not one namespace's socket table), and CLOSE->LISTEN (listen(), in
 *                       the owner's process context). The first sight sets drops_first; every pass sets
 *                       drops_last, the queue and gen.
 *   listener_closed()   LISTEN->CLOSE: the final figures; the record moves to listeners_closed (the
 *                       socket's address may be reused by the next listener).
 *   listener_rx_drop()  kfree_skb with rx_sk = a listener at tcp_v{4,6}_rcv (targ_rcv_* from kallsyms);
 *                       without rx_sk, the segment listener_rx_mark() saw at tcp_check_req().
 *   listener_overflow() a per-event hook saw one overflow (fentry/kprobe, or the drop reason).
 * Read (never emptied) by user space after each pass.
 *
 * The includer defines listener_wanted(sk, t, netns) (its filters) before including this file.
 */
#ifndef __SONDE_LISTENERS_H
#define __SONDE_LISTENERS_H

#include <vmlinux.h>
#include "layout.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "maps.h"
#include "sock.h"
#include "states.h"
#include "owner_filter.h"
#include "hooks.h"

#define SONDE_MAX_LISTENERS 4096
#define SONDE_MAX_CLOSED_LISTENERS 1024

/* struct sonde_listener .flags */
#define SONDE_LISTENER_OPENED 1	   /* listen() during the job (drops_first is its start) */
#define SONDE_LISTENER_CLOSED 2	   /* closed during the job: the figures are final */
#define SONDE_LISTENER_FULL_SEEN 4 /* its accept queue was seen full (a pass, an overflow, its close) */

/* 128 bytes */
struct SONDE_SHARED sonde_listener {
	sonde_addr_t skaddr;
	__u64 drops_first;   /* the drop counter when first seen */
	__u64 drops_last;    /* at the last pass, or at close */
	__u64 rx_drops;      /* segments the counter took at tcp_v{4,6}_rcv since first seen: not ListenDrops */
	__u64 syn_overflows; /* per-event hooks: SYNs refused at a full accept queue */
	__u64 ack_overflows; /* per-event hooks or drop reason: completed handshakes at a full queue */
	__u32 netns;
	__u32 max_backlog;   /* listen()'s backlog capped by somaxconn */
	__u32 backlog;       /* accept queue at the last look */
	__u32 backlog_peak;  /* longest accept queue seen */
	__u32 pid;           /* owner (tgid); 0: not known */
	__u32 uid;           /* the socket's uid */
	__u32 gen;           /* the pass that last saw it open (0: none yet) */
	__u16 family;
	__u16 lport;
	__u8 laddr[16];
	char comm[16];
	__u8 flags;          /* SONDE_LISTENER_* */
	__u8 syncookies;     /* net.ipv4.tcp_syncookies of its namespace */
	__u8 pad[6];
	sonde_id_t cgroup;   /* the socket's cgroup v2 id (owner_filter.h): whose listener */
};

static __always_inline bool listener_wanted(const struct sock *sk, const struct sock_tuple *t, __u32 netns);

/* kallsyms ranges [lo, hi) of tcp_v4_rcv and tcp_v6_rcv, written by user space; 0 = not known */
const volatile __u64 targ_rcv4_lo = 0;
const volatile __u64 targ_rcv4_hi = 0;
const volatile __u64 targ_rcv6_lo = 0;
const volatile __u64 targ_rcv6_hi = 0;

/* sk pointer -> the listener, while it listens */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SONDE_MAX_LISTENERS);
	__type(key, __u64);
	__type(value, struct sonde_listener);
} listeners SEC(".maps");

/* a closed listener: its address and when it closed (the address may be reused by the next one) */
struct SONDE_SHARED sonde_listener_closed_key {
	sonde_addr_t skaddr;
	sonde_ktime_t ts_ns;
};

/* listeners that closed during the job */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SONDE_MAX_CLOSED_LISTENERS);
	__type(key, struct sonde_listener_closed_key);
	__type(value, struct sonde_listener);
} listeners_closed SEC(".maps");

/* bumped at the start of each pass; user space reads it to know which records the last pass saw */
__u32 listen_gen = 0;
/* listeners that did not fit the maps */
__u64 listeners_missed = 0;

/* 6.18 keeps a socket's drops in per-NUMA counters when it has them (struct numa_drop_counters) */
struct numa_drop_counters___sonde {
	atomic_t drops0;
	atomic_t drops1;
} __attribute__((preserve_access_index));

struct sock___sonde {
	struct numa_drop_counters___sonde *sk_drop_counters;
} __attribute__((preserve_access_index));

/* sk_drops_read(): the socket's drop counter */
static __always_inline __u64 sk_drops_now(const struct sock *sk)
{
	const struct sock___sonde *s = (const void *)sk;
	struct numa_drop_counters___sonde *ndc;

	if (bpf_core_field_exists(s->sk_drop_counters)) {
		ndc = BPF_CORE_READ(s, sk_drop_counters);
		if (ndc)
			return (__u32)BPF_CORE_READ(ndc, drops0.counter) + (__u32)BPF_CORE_READ(ndc, drops1.counter);
	}
	return (__u32)BPF_CORE_READ(sk, sk_drops.counter);
}

/* the figures that change; called with the record in the map */
static __always_inline void listener_refresh(struct sonde_listener *l, const struct sock *sk)
{
	__u32 backlog = BPF_CORE_READ(sk, sk_ack_backlog);

	l->drops_last = sk_drops_now(sk);
	l->max_backlog = BPF_CORE_READ(sk, sk_max_ack_backlog);
	l->backlog = backlog;
	if (backlog > l->backlog_peak)
		l->backlog_peak = backlog;
	if (backlog > l->max_backlog)
		l->flags |= SONDE_LISTENER_FULL_SEEN;
}

static const struct sonde_listener listener_zero = {};

/*
 * A listening socket seen by a pass (task: its owner), or at CLOSE->LISTEN (opened: task NULL, the owner
 * is current).
 * First sight: the record with drops_first. Every sight: the figures, and the pass generation.
 */
static __always_inline void listener_note(struct sock *sk, struct task_struct *task, bool opened)
{
	struct sonde_listener *l;
	struct sock_tuple t;
	__u64 key = (__u64)sk;
	__u32 netns;

	/* at CLOSE->LISTEN the tracepoint fires before the state is stored */
	if ((!opened && BPF_CORE_READ(sk, __sk_common.skc_state) != SONDE_TCP_LISTEN) ||
	    BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return;
	if (!sock_tuple_read(&t, sk))
		return;
	netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	if (!listener_wanted(sk, &t, netns))
		return;
	l = bpf_map_lookup_elem(&listeners, &key);
	if (!l) {
		if (bpf_map_update_elem(&listeners, &key, &listener_zero, BPF_NOEXIST) && !bpf_map_lookup_elem(&listeners, &key)) {
			__sync_fetch_and_add(&listeners_missed, 1);
			return;
		}
		l = bpf_map_lookup_elem(&listeners, &key);
		if (!l)
			return;
		l->skaddr = key;
		l->drops_first = sk_drops_now(sk);
		l->netns = netns;
		l->family = t.family;
		l->lport = t.lport;
		__builtin_memcpy(l->laddr, t.laddr, sizeof(l->laddr));
		l->uid = BPF_CORE_READ(sk, sk_uid.val);
		l->cgroup = sk_cgroup_id(sk);
		l->syncookies = BPF_CORE_READ(sk, __sk_common.skc_net.net, ipv4.sysctl_tcp_syncookies);
		if (opened)
			l->flags |= SONDE_LISTENER_OPENED;
	}
	if (!l->pid) {
		if (task) {
			l->pid = BPF_CORE_READ(task, tgid);
			bpf_probe_read_kernel_str(l->comm, sizeof(l->comm), &task->group_leader->comm);
		} else {
			l->pid = bpf_get_current_pid_tgid() >> 32;
			bpf_get_current_comm(l->comm, sizeof(l->comm));
		}
	}
	listener_refresh(l, sk);
	if (!opened)
		l->gen = listen_gen;
}

/* LISTEN -> CLOSE: the final figures, and the record moves to listeners_closed */
static __always_inline void listener_closed(struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct sonde_listener *l = bpf_map_lookup_elem(&listeners, &key);
	struct sonde_listener_closed_key ck = { .skaddr = key };

	if (!l)
		return;
	listener_refresh(l, sk);
	l->flags |= SONDE_LISTENER_CLOSED;
	ck.ts_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&listeners_closed, &ck, l, BPF_ANY))
		__sync_fetch_and_add(&listeners_missed, 1);
	bpf_map_delete_elem(&listeners, &key);
}

static __always_inline bool in_range(__u64 ip, __u64 lo, __u64 hi)
{
	return lo && ip >= lo && ip < hi;
}

/* the segments an skb stands for (a GSO packet counts each; sk_drops_skbadd() does the same) */
static __always_inline __u64 skb_segs(const struct sk_buff *skb)
{
	struct skb_shared_info *sh = (void *)(BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, end));
	__u16 segs = BPF_CORE_READ(sh, gso_segs);

	return segs ? segs : 1;
}

/*
 * Kernels whose kfree_skb has no rx_sk (before 6.11): per CPU, the segment tcp_check_req() handles for a
 * listener (fentry/kprobe there, listener_rx_mark()). When tcp_v{4,6}_rcv then drops it, it is the
 * listener's. Each call overwrites the mark; a drop clears it.
 */
struct SONDE_SHARED listener_rx_mark {
	sonde_addr_t skb;
	sonde_addr_t sk;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct listener_rx_mark);
} listener_rx_marks SEC(".maps");

static __always_inline void listener_rx_mark(const struct sock *sk, const struct sk_buff *skb)
{
	__u32 zero = 0;
	struct listener_rx_mark *m = bpf_map_lookup_elem(&listener_rx_marks, &zero);

	if (m) {
		m->skb = (__u64)skb;
		m->sk = (__u64)sk;
	}
}

/* a kfree_skb drop (rx_sk: 6.11+, else NULL: the mark's): one the listener's counter also took? */
static __always_inline void listener_rx_drop(const struct sock *rx_sk, const struct sk_buff *skb, __u64 location)
{
	struct sonde_listener *l;
	struct listener_rx_mark *m;
	__u32 zero = 0;
	__u64 key = (__u64)rx_sk;

	if (!(in_range(location, targ_rcv4_lo, targ_rcv4_hi) || in_range(location, targ_rcv6_lo, targ_rcv6_hi)))
		return;
	if (!rx_sk) {
		m = bpf_map_lookup_elem(&listener_rx_marks, &zero);
		if (!m || !m->skb || m->skb != (__u64)skb)
			return;
		key = m->sk;
		m->skb = 0;
	}
	l = bpf_map_lookup_elem(&listeners, &key);
	if (l)
		__sync_fetch_and_add(&l->rx_drops, skb_segs(skb));
}

/* one overflow at listener sk, seen by a hook (syn: a SYN refused; else a completed handshake) */
static __always_inline void listener_overflow(struct sock *sk, bool syn)
{
	__u64 key = (__u64)sk;
	struct sonde_listener *l = bpf_map_lookup_elem(&listeners, &key);

	if (!l)
		return;
	if (syn)
		__sync_fetch_and_add(&l->syn_overflows, 1);
	else
		__sync_fetch_and_add(&l->ack_overflows, 1);
	l->flags |= SONDE_LISTENER_FULL_SEEN;
}

/* iter/task_file body: every socket file of every process; ctx->file NULL at the end of the pass */
static __always_inline int listeners_pass(struct bpf_iter__task_file *ctx)
{
	struct file *file = ctx->file;
	struct socket *sock;
	struct sock *sk;

	if (ctx->meta->seq_num == 0)
		listen_gen++;
	if (!file || !ctx->task)
		return 0;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return 0;
	listener_note(sk, ctx->task, false);
	return 0;
}

/* tcp_check_req (kind fentry or kprobe): before 6.11, the segment a later drop at tcp_v{4,6}_rcv belongs to */
#define SONDE_CHECK_REQ_HOOK(kind, prog)                                                                   \
	SONDE_HOOK_##kind(tcp_check_req)(prog, struct sock *sk, struct sk_buff *skb)                       \
	{                                                                                                  \
		listener_rx_mark(sk, skb);                                                                 \
		return 0;                                                                                  \
	}

#endif /* __SONDE_LISTENERS_H */
