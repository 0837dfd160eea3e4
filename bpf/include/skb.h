/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The IP/TCP headers of a struct sk_buff, read with CO-RE from skb->head + skb->network_header,
 * for hooks where the packet has no socket (a SYN to a closed port, a drop at tc ingress) or where
 * the flags of the segment matter.
 *
 * The TCP header is found from the IP header (ihl for IPv4, the fixed 40 bytes for IPv6), not from
 * skb->transport_header: at tc ingress that still equals the network header. IPv6 extension headers
 * are not walked: a TCP segment behind one is not recognised.
 */
#ifndef __SONDE_SKB_H
#define __SONDE_SKB_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "sock.h"

#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif

/* TCP header flag bits (byte 13 of the header) */
#define SONDE_TCP_FIN 0x01
#define SONDE_TCP_SYN 0x02
#define SONDE_TCP_RST 0x04
#define SONDE_TCP_PSH 0x08
#define SONDE_TCP_ACK 0x10
#define SONDE_TCP_URG 0x20
#define SONDE_TCP_ECE 0x40
#define SONDE_TCP_CWR 0x80

/* a TCP segment's headers as the packet carries them: src/dst, not local/remote */
struct skb_tcp {
	__u16 family; /* AF_INET / AF_INET6 */
	__u16 sport;  /* host order */
	__u16 dport;  /* host order */
	__u8 flags;   /* SONDE_TCP_* */
	__u8 pad;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* Fill *p when skb's network header is set and holds IPv4 or IPv6 carrying TCP. */
static __always_inline bool skb_tcp_read(struct skb_tcp *p, const struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u8 ip[40];
	__u8 th[14];
	__u32 thoff;

	__builtin_memset(p, 0, sizeof(*p));
	/* (u16)~0: never set (e.g. an skb still in a socket's write queue) */
	if (!head || nh == (__u16)~0U)
		return false;
	if (bpf_probe_read_kernel(ip, 20, head + nh))
		return false;
	if ((ip[0] >> 4) == 4) {
		if (ip[9] != IPPROTO_TCP)
			return false;
		p->family = AF_INET;
		__builtin_memcpy(p->saddr, &ip[12], 4);
		__builtin_memcpy(p->daddr, &ip[16], 4);
		thoff = (ip[0] & 0x0f) * 4;
	} else if ((ip[0] >> 4) == 6) {
		if (bpf_probe_read_kernel(ip, 40, head + nh))
			return false;
		if (ip[6] != IPPROTO_TCP)
			return false;
		p->family = AF_INET6;
		__builtin_memcpy(p->saddr, &ip[8], 16);
		__builtin_memcpy(p->daddr, &ip[24], 16);
		thoff = 40;
	} else {
		return false;
	}
	if (thoff < 20 || bpf_probe_read_kernel(th, sizeof(th), head + nh + thoff))
		return false;
	p->sport = ((__u16)th[0] << 8) | th[1];
	p->dport = ((__u16)th[2] << 8) | th[3];
	p->flags = th[13];
	return true;
}

/*
 * A tuple from headers: `inbound` puts the destination on the local side (a received segment),
 * otherwise the source (a segment this host sends).
 */
static __always_inline void sock_tuple_from_skb_tcp(struct sock_tuple *t, const struct skb_tcp *p, bool inbound)
{
	__builtin_memset(t, 0, sizeof(*t));
	t->family = p->family;
	if (inbound) {
		t->lport = p->dport;
		t->rport = p->sport;
		__builtin_memcpy(t->laddr, p->daddr, 16);
		__builtin_memcpy(t->raddr, p->saddr, 16);
	} else {
		t->lport = p->sport;
		t->rport = p->dport;
		__builtin_memcpy(t->laddr, p->saddr, 16);
		__builtin_memcpy(t->raddr, p->daddr, 16);
	}
}

#endif /* __SONDE_SKB_H */
