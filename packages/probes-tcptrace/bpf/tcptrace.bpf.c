// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcptrace: the life of TCP packets of a filtered flow through the stack. Every stack point below
 * stamps the packet's timeline (time, CPU, device); stage-to-stage delays go into log2 histograms
 * here in the kernel; finished timelines go to the ring buffer, the first targ_max_pkts of them.
 *
 *   tx: net_dev_queue -> net_dev_start_xmit -> net_dev_xmit
 *   rx: napi_gro_receive_entry (NAPI drivers) -> netif_receive_skb -> tcp_probe -> sock_recv_length
 *   end: consume_skb / kfree_skb, or the read, or (pure ACKs) tcp_probe
 *
 * The socket layer (the read, and the sends and reads that teach the flows of filtered tasks) is
 * sock_send_length / sock_recv_length from 6.3; before, the return of tcp_sendmsg()/tcp_recvmsg()
 * (tcp_sendrecv.h: fexit, or kprobe + kretprobe), whose read stage is named tcp_recvmsg.
 *
 * A packet is identified by its skb address. Tracking starts at net_dev_queue (tx) or at the
 * first rx point, where the IP/TCP headers are parsed and the filters applied; later points only
 * look the skb up. On loopback and veth the transmitted skb itself travels on to the receiver, so
 * one timeline holds both sides.
 *
 * Maps: `pkts` (skb -> timeline) filled at the start points, emptied where the timeline ends;
 * `rx_wait` (sk -> data skbs not read yet) filled at tcp_probe, emptied at the read and
 * LRU eviction; `flows` (tuple -> 1) filled at the sends and reads only when
 * a task or netns filter is set; `hists` filled at every stage after the first.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include "tcptrace.h"
#include "events.h"
#include "filters.h"
#include "log2.h"
#include "sock.h"
#include "states.h"
#include "task.h"
#include "tcp_sendrecv.h"
#define ETH_P_IP   0x0800
#define ETH_P_IPV6 0x86DD

/* filters on the packet (either end), see filters.h for the encoding */
const volatile __u16 targ_ports[SONDE_MAX_PORTS] = {};
const volatile __u32 targ_ports_cnt = 0;
const volatile __u8 targ_addr[16] = {};
const volatile __u16 targ_addr_family = 0;
const volatile __u32 targ_addr_prefix = 0;
const volatile __u16 targ_family = 0;
/* task.h filters (pid, uid, comm, cgroup, netns) select flows the tasks send or read on */
const volatile bool targ_learn = false;
const volatile __u32 targ_max_pkts = 1000;

__u64 pkts_tracked = 0;
__u64 pkts_emitted = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TCPTRACE_MAX_PKTS);
	__type(key, __u64);
	__type(value, struct tcptrace_pkt);
} pkts SEC(".maps");

/* a new timeline is built here: 448 bytes do not fit the 512-byte stack next to the rest */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcptrace_pkt);
} scratch SEC(".maps");

struct rx_wait {
	__u64 skb[TCPTRACE_RX_WAIT];
	__u64 first_ts[TCPTRACE_RX_WAIT]; /* the timeline's first stamp: tells a reused skb address apart */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct rx_wait);
} rx_waits SEC(".maps");

/* both directions of the flows the filtered tasks use: struct sock_tuple with l = source */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct sock_tuple);
	__type(value, __u8);
} flows SEC(".maps");

/* key: from_stage << 8 | to_stage */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, STAGE_MAX * STAGE_MAX);
	__type(key, __u32);
	__type(value, struct tcptrace_hist);
} hists SEC(".maps");

static const struct tcptrace_hist hist_zero;

static __always_inline void hist_add(__u8 from, __u8 to, __u64 ns)
{
	__u32 key = (__u32)from << 8 | to;
	struct tcptrace_hist *h;

	h = bpf_map_lookup_elem(&hists, &key);
	if (!h) {
		bpf_map_update_elem(&hists, &key, &hist_zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &key);
		if (!h)
			return;
	}
	__sync_fetch_and_add(&h->slots[log2_slot(ns, TCPTRACE_MAX_SLOTS)], 1);
	__sync_fetch_and_add(&h->sum, ns);
	__sync_fetch_and_add(&h->cnt, 1);
	/* read-compare-write, may rarely leave [min, max] narrow under concurrency */
	if (~ns > h->min_inv)
		h->min_inv = ~ns;
	if (ns > h->max)
		h->max = ns;
}

static __always_inline void stamp(struct tcptrace_stage *s, __u8 stage, const struct net_device *dev)
{
	s->ts = bpf_ktime_get_ns();
	s->cpu = bpf_get_smp_processor_id();
	s->stage = stage;
	s->pad = 0;
	s->ifindex = 0;
	__builtin_memset(s->ifname, 0, sizeof(s->ifname));
	if (dev) {
		s->ifindex = BPF_CORE_READ(dev, ifindex);
		bpf_probe_read_kernel_str(s->ifname, sizeof(s->ifname), dev->name);
	}
}

/* the timeline is done: to the ring buffer (if under the cap) and out of `pkts` */
static __always_inline void finish(__u64 key, struct tcptrace_pkt *p, __u8 end)
{
	p->end = end;
	if (pkts_emitted < targ_max_pkts) {
		__sync_fetch_and_add(&pkts_emitted, 1);
		if (bpf_ringbuf_output(&events, p, sizeof(*p), 0))
			__sync_fetch_and_add(&lost_events, 1);
	}
	bpf_map_delete_elem(&pkts, &key);
}

/* append a stage to a tracked packet; returns it (NULL when the skb is not tracked) */
static __always_inline struct tcptrace_pkt *add_stage(__u64 key, __u8 stage, const struct net_device *dev)
{
	struct tcptrace_pkt *p = bpf_map_lookup_elem(&pkts, &key);
	__u64 m;

	if (!p)
		return NULL;
	/*
	 * m = the last stage written, st[m + 1] the new one. One 64-bit register checked once and
	 * then hidden from clang (barrier): 6.1's verifier lost the bound when clang checked n - 1
	 * in one register and indexed with n in another.
	 */
	m = (__u64)p->nstages - 1;
	if (m >= TCPTRACE_MAX_STAGES - 1) {
		if (p->lost_stages < 255)
			p->lost_stages++;
		return p;
	}
	asm volatile("" : "+r"(m));
	stamp(&p->st[m + 1], stage, dev);
	hist_add(p->st[m].stage, stage, p->st[m + 1].ts - p->st[m].ts);
	p->nstages = m + 2;
	return p;
}

static __always_inline bool pkt_wanted(const struct tcptrace_pkt *p)
{
	struct sock_tuple t = {};

	if (!family_ok(targ_family, p->family))
		return false;
	if (targ_ports_cnt && !port_in_list(targ_ports, targ_ports_cnt, p->sport) &&
	    !port_in_list(targ_ports, targ_ports_cnt, p->dport))
		return false;
	if (targ_addr_family &&
	    !addr_in_cidr(targ_addr, targ_addr_family, targ_addr_prefix, p->family, p->saddr) &&
	    !addr_in_cidr(targ_addr, targ_addr_family, targ_addr_prefix, p->family, p->daddr))
		return false;
	if (targ_learn) {
		t.family = p->family;
		t.lport = p->sport;
		t.rport = p->dport;
		__builtin_memcpy(t.laddr, p->saddr, 16);
		__builtin_memcpy(t.raddr, p->daddr, 16);
		if (!bpf_map_lookup_elem(&flows, &t))
			return false;
	}
	return true;
}

/*
 * IP + TCP headers at `ip` (linear data) into *p. False for anything but TCP over IPv4/IPv6
 * (IPv6 extension headers are not walked).
 */
static __always_inline bool parse(struct tcptrace_pkt *p, const struct sk_buff *skb, unsigned char *ip)
{
	unsigned char *data = BPF_CORE_READ(skb, data);
	__u32 skb_len = BPF_CORE_READ(skb, len);
	unsigned char *th;
	__u8 b0, proto, doff;
	__u32 hdrs, ack;

	if (bpf_probe_read_kernel(&b0, 1, ip))
		return false;
	if (b0 >> 4 == 4) {
		if (bpf_probe_read_kernel(&proto, 1, ip + 9) || proto != IPPROTO_TCP)
			return false;
		p->family = AF_INET;
		__builtin_memset(p->saddr, 0, 16);
		__builtin_memset(p->daddr, 0, 16);
		bpf_probe_read_kernel(p->saddr, 4, ip + 12);
		bpf_probe_read_kernel(p->daddr, 4, ip + 16);
		th = ip + (b0 & 0xf) * 4;
	} else if (b0 >> 4 == 6) {
		if (bpf_probe_read_kernel(&proto, 1, ip + 6) || proto != IPPROTO_TCP)
			return false;
		p->family = AF_INET6;
		bpf_probe_read_kernel(p->saddr, 16, ip + 8);
		bpf_probe_read_kernel(p->daddr, 16, ip + 24);
		th = ip + 40;
	} else {
		return false;
	}
	if (bpf_probe_read_kernel(&p->sport, 2, th) || bpf_probe_read_kernel(&p->dport, 2, th + 2) ||
	    bpf_probe_read_kernel(&p->seq, 4, th + 4) || bpf_probe_read_kernel(&ack, 4, th + 8) ||
	    bpf_probe_read_kernel(&doff, 1, th + 12) || bpf_probe_read_kernel(&p->flags, 1, th + 13))
		return false;
	p->ack16 = (__u16)bpf_ntohl(ack);
	p->sport = bpf_ntohs(p->sport);
	p->dport = bpf_ntohs(p->dport);
	p->seq = bpf_ntohl(p->seq);
	hdrs = (__u32)(th - data) + (doff >> 4) * 4;
	p->len = skb_len > hdrs ? skb_len - hdrs : 0;
	return true;
}

/*
 * A start point: continue the skb's timeline when it is the same packet (same ports, seq, ACK,
 * flags and length: loopback and veth hand the transmitted skb on to the receiver, a router
 * namespace forwards it), or begin one when the headers pass the filters. A tracked skb address
 * that comes back with other headers was freed where no tracepoint fires (e.g. __kfree_skb after
 * TCP handled it): its timeline is flushed first. The ACK number tells apart a connection's
 * successive pure ACKs, which share ports, seq, flags and length (6.1 merged them: 50 timelines
 * for 53 packets sent).
 */
static __always_inline bool same_packet(const struct tcptrace_pkt *a, const struct tcptrace_pkt *b)
{
	return a->sport == b->sport && a->dport == b->dport && a->seq == b->seq && a->ack16 == b->ack16 &&
	       a->flags == b->flags && a->len == b->len && a->family == b->family;
}

static __always_inline int start(struct sk_buff *skb, unsigned char *ip, __u8 stage, const struct net_device *dev)
{
	__u64 key = (__u64)skb;
	struct tcptrace_pkt *p, *old;
	__u32 zero = 0;

	p = bpf_map_lookup_elem(&scratch, &zero);
	if (!p)
		return 0;
	if (!parse(p, skb, ip)) {
		/* not TCP: a tracked address reused by another protocol ends the old timeline */
		old = bpf_map_lookup_elem(&pkts, &key);
		if (old)
			finish(key, old, END_REUSED);
		return 0;
	}
	old = bpf_map_lookup_elem(&pkts, &key);
	if (old) {
		if (same_packet(old, p)) {
			add_stage(key, stage, dev);
			return 0;
		}
		finish(key, old, END_REUSED);
	}
	if (!pkt_wanted(p))
		return 0;
	p->skb = key;
	p->nstages = 1;
	p->drop_reason = 0;
	p->end = END_OPEN;
	p->lost_stages = 0;
	stamp(&p->st[0], stage, dev);
	if (!bpf_map_update_elem(&pkts, &key, p, BPF_ANY))
		__sync_fetch_and_add(&pkts_tracked, 1);
	return 0;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(tcptrace_queue, struct sk_buff *skb)
{
	/* tx: the network header offset is set by IP output; data points at the link header */
	unsigned char *ip = BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, network_header);

	return start(skb, ip, STAGE_QUEUE, BPF_CORE_READ(skb, dev));
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(tcptrace_start_xmit, const struct sk_buff *skb, const struct net_device *dev)
{
	add_stage((__u64)skb, STAGE_START_XMIT, dev);
	return 0;
}

SEC("tp_btf/net_dev_xmit")
int BPF_PROG(tcptrace_xmit, struct sk_buff *skb, int rc, struct net_device *dev, unsigned int len)
{
	add_stage((__u64)skb, STAGE_XMIT, dev);
	return 0;
}

/* rx: the driver already pulled the link header (eth_type_trans): data is the IP header */
SEC("tp_btf/napi_gro_receive_entry")
int BPF_PROG(tcptrace_gro, const struct sk_buff *skb)
{
	return start((struct sk_buff *)skb, BPF_CORE_READ(skb, data), STAGE_GRO, BPF_CORE_READ(skb, dev));
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(tcptrace_receive, struct sk_buff *skb)
{
	return start(skb, BPF_CORE_READ(skb, data), STAGE_RECEIVE, BPF_CORE_READ(skb, dev));
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(tcptrace_tcp, struct sock *sk, struct sk_buff *skb)
{
	__u64 key = (__u64)skb, skk = (__u64)sk;
	struct tcptrace_pkt *p;
	struct rx_wait w = {}, *wp;

	p = add_stage(key, STAGE_TCP, BPF_CORE_READ(skb, dev));
	if (!p)
		return 0;
	if (!p->len) {
		finish(key, p, END_ACK);
		return 0;
	}
	/* data: its timeline ends when the socket is read */
	wp = bpf_map_lookup_elem(&rx_waits, &skk);
	if (!wp) {
		bpf_map_update_elem(&rx_waits, &skk, &w, BPF_NOEXIST);
		wp = bpf_map_lookup_elem(&rx_waits, &skk);
		if (!wp)
			return 0;
	}
#pragma unroll
	for (int i = 0; i < TCPTRACE_RX_WAIT; i++) {
		if (!wp->skb[i]) {
			wp->skb[i] = key;
			wp->first_ts[i] = p->st[0].ts;
			break;
		}
	}
	return 0;
}

static __always_inline void learn(struct sock *sk)
{
	struct sock_tuple t, r;
	struct owner o;
	__u8 one = 1;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP || !netns_allowed(sk) || !sk_owner_allowed(sk))
		return;
	owner_current(&o);
	if (!owner_allowed(&o) || !sock_tuple_read(&t, sk))
		return;
	r.family = t.family;
	r.lport = t.rport;
	r.rport = t.lport;
	r.pad = 0;
	__builtin_memcpy(r.laddr, t.raddr, 16);
	__builtin_memcpy(r.raddr, t.laddr, 16);
	bpf_map_update_elem(&flows, &t, &one, BPF_ANY);
	bpf_map_update_elem(&flows, &r, &one, BPF_ANY);
}

static __always_inline int on_send(struct sock *sk, int ret)
{
	if (targ_learn && ret > 0)
		learn(sk);
	return 0;
}

/* the process read sk: the data packets waiting for it end here, with `stage` */
static __always_inline int on_read(struct sock *sk, int ret, int flags, __u8 stage)
{
	__u64 skk = (__u64)sk;
	struct rx_wait *wp;

	if (ret <= 0 || (flags & MSG_PEEK))
		return 0;
	if (targ_learn)
		learn(sk);
	wp = bpf_map_lookup_elem(&rx_waits, &skk);
	if (!wp)
		return 0;
#pragma unroll
	for (int i = 0; i < TCPTRACE_RX_WAIT; i++) {
		__u64 key = wp->skb[i];
		struct tcptrace_pkt *p;

		if (!key)
			break;
		p = bpf_map_lookup_elem(&pkts, &key);
		if (p && p->st[0].ts == wp->first_ts[i]) {
			p = add_stage(key, stage, NULL);
			if (p)
				finish(key, p, END_READ);
		}
		wp->skb[i] = 0;
	}
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(tcptrace_send, struct sock *sk, int ret, int flags)
{
	return on_send(sk, ret);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(tcptrace_read, struct sock *sk, int ret, int flags)
{
	return on_read(sk, ret, flags, STAGE_READ);
}

/* fallback: tcp_sendmsg() / tcp_recvmsg() returned */
SEC("fexit/tcp_sendmsg")
int BPF_PROG(tcptrace_fexit_send, struct sock *sk, struct msghdr *msg, size_t size, int ret)
{
	return on_send(sk, ret);
}

SEC("fexit/tcp_recvmsg")
int BPF_PROG(tcptrace_fexit_read, struct sock *sk)
{
	int ret, flags;

	if (!tcp_recvmsg_fexit_result(ctx, &ret, &flags))
		return 0;
	return on_read(sk, ret, flags, STAGE_RECVMSG);
}

/* fallback without trampolines: arguments stashed at entry, used at return */
SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(tcptrace_kprobe_send, struct sock *sk)
{
	if (targ_learn)
		tcp_sendrecv_stash(sk, 0, false);
	return 0;
}

SEC("kretprobe/tcp_sendmsg")
int BPF_KRETPROBE(tcptrace_kretprobe_send, int ret)
{
	int flags;
	struct sock *sk;

	if (!targ_learn)
		return 0;
	sk = tcp_sendrecv_take(&flags, false);
	return sk ? on_send(sk, ret) : 0;
}

SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(tcptrace_kprobe_read, struct sock *sk, struct msghdr *msg, size_t len, int flags)
{
	tcp_sendrecv_stash(sk, flags, true);
	return 0;
}

SEC("kretprobe/tcp_recvmsg")
int BPF_KRETPROBE(tcptrace_kretprobe_read, int ret)
{
	int flags;
	struct sock *sk = tcp_sendrecv_take(&flags, true);

	return sk ? on_read(sk, ret, flags, STAGE_RECVMSG) : 0;
}

SEC("tp_btf/consume_skb")
int BPF_PROG(tcptrace_consume, struct sk_buff *skb, void *location)
{
	__u64 key = (__u64)skb;
	struct tcptrace_pkt *p = add_stage(key, STAGE_CONSUME, BPF_CORE_READ(skb, dev));

	if (p)
		finish(key, p, END_CONSUME);
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(tcptrace_drop, struct sk_buff *skb, void *location, enum skb_drop_reason reason, struct sock *rx_sk)
{
	__u64 key = (__u64)skb;
	struct tcptrace_pkt *p = add_stage(key, STAGE_DROP, BPF_CORE_READ(skb, dev));

	if (p) {
		p->drop_reason = reason;
		finish(key, p, END_DROP);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
