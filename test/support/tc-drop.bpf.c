// SPDX-License-Identifier: GPL-2.0
/*
 * A tc clsact program (attached to the receiver's ingress) for tests that need real retransmits: on TCP segments from source port
 * DROP_PORT (set with -D at compile time) it drops the first SYN-ACK and then every 7th data segment,
 * at most MAX_DROPS of them, so the sender retransmits a known, bounded number of times. With
 * -DDROP_FIRST_TRANSMISSION it drops instead the first transmission of every data segment (keyed by
 * destination port and sequence number; at most MAX_DROPS) and lets its retransmission through: a
 * short response is then a lost tail, which the sender recovers with a tail-loss probe. Compiled by
 * the test itself (test/support/retrans.ts) and attached to a veth in the test's own namespace.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef DROP_PORT
#define DROP_PORT 0
#endif
#define MAX_DROPS 10

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4); /* 0: data segments seen, 1: data drops, 2: SYN-ACK drops */
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

#ifdef DROP_FIRST_TRANSMISSION
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64); /* dport << 32 | seq */
	__type(value, __u8);
} seen_seq SEC(".maps");
#endif

static __u64 *ctr(__u32 i)
{
	return bpf_map_lookup_elem(&counters, &i);
}

SEC("tc")
int drop_some(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp;
	__u64 *seen, *drops, *syn;
	__u32 payload;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_TCP)
		return TC_ACT_OK;
	tcp = (void *)ip + ip->ihl * 4;
	if ((void *)(tcp + 1) > end || tcp->source != bpf_htons(DROP_PORT))
		return TC_ACT_OK;
	seen = ctr(0);
	drops = ctr(1);
	syn = ctr(2);
	if (!seen || !drops || !syn)
		return TC_ACT_OK;
	if (tcp->syn && tcp->ack) {
		if (*syn == 0) {
			*syn = 1;
			return TC_ACT_SHOT;
		}
		return TC_ACT_OK;
	}
	payload = bpf_ntohs(ip->tot_len) - ip->ihl * 4 - tcp->doff * 4;
	if (!payload)
		return TC_ACT_OK;
	*seen += 1;
#ifdef DROP_FIRST_TRANSMISSION
	{
		__u64 key = ((__u64)bpf_ntohs(tcp->dest) << 32) | bpf_ntohl(tcp->seq);
		__u8 one = 1;

		if (*drops >= MAX_DROPS || bpf_map_lookup_elem(&seen_seq, &key))
			return TC_ACT_OK;
		bpf_map_update_elem(&seen_seq, &key, &one, BPF_ANY);
		*drops += 1;
		return TC_ACT_SHOT;
	}
#endif
	if (*drops < MAX_DROPS && *seen % 7 == 3) {
		*drops += 1;
		return TC_ACT_SHOT;
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
