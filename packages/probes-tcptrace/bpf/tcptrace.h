/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tcptrace: constants and structs shared by bpf/tcptrace.bpf.c and the user side (packages/probes-tcptrace/src/layout.gen.ts is generated from them). */
#ifndef __TCPTRACE_H
#define __TCPTRACE_H

#include "layout.h"

#define TCPTRACE_MAX_STAGES 12   /* stage records per packet; more are counted in lost_stages */
#define TCPTRACE_MAX_PKTS   8192 /* packets in flight tracked at once (LRU) */
#define TCPTRACE_MAX_SLOTS  32   /* log2 ns slots: the last one holds >= ~2 s */
#define TCPTRACE_RX_WAIT    8    /* data packets per socket waiting for a read */
#define TCPTRACE_IFNAMSIZ   16

/* stack points, in the order a packet usually meets them */
#define STAGE_QUEUE      1 /* net:net_dev_queue         dev_queue_xmit, before the qdisc */
#define STAGE_START_XMIT 2 /* net:net_dev_start_xmit    handed to the driver */
#define STAGE_XMIT       3 /* net:net_dev_xmit          the driver returned */
#define STAGE_GRO        4 /* net:napi_gro_receive_entry  NAPI driver receive */
#define STAGE_RECEIVE    5 /* net:netif_receive_skb     into the protocol stack */
#define STAGE_TCP        6 /* tcp:tcp_probe             tcp_rcv_established */
#define STAGE_READ       7 /* sock:sock_recv_length     the process read the socket */
#define STAGE_CONSUME    8 /* skb:consume_skb           freed after use */
#define STAGE_DROP       9 /* skb:kfree_skb             dropped */
#define STAGE_RECVMSG    10 /* tcp_recvmsg() returned    the process read the socket (before 6.3: */
                           /*                           no sock_recv_length; fexit or kretprobe)  */
#define STAGE_MAX        11

/* how a timeline ended */
#define END_OPEN    0 /* still tracked when the job ended */
#define END_CONSUME 1
#define END_DROP    2
#define END_READ    3 /* its data was read */
#define END_ACK     4 /* a segment without payload, done once TCP processed it */
#define END_REUSED  5 /* the skb address came back for a new packet: freed where no tracepoint fires */

/* 32 bytes */
struct tcptrace_stage {
	sonde_ktime_t ts; /* bpf_ktime_get_ns */
	__u32 ifindex;  /* 0 when no device */
	__u16 cpu;
	__u8 stage;
	__u8 pad;
	char ifname[TCPTRACE_IFNAMSIZ]; /* read in the kernel: names are per namespace */
};
SONDE_RECORD(tcptrace_stage);

/* 448 bytes: one packet's timeline (map value and ring-buffer record) */
struct tcptrace_pkt {
	sonde_addr_t skb;
	__u8 saddr[16];   /* network order, IPv4 in the first 4 */
	__u8 daddr[16];
	__u16 family;     /* AF_INET / AF_INET6 */
	__u16 sport;      /* host order */
	__u16 dport;
	__u8 flags;       /* TCP flags byte (FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10) */
	__u8 nstages;
	__u32 seq;        /* host order */
	__u32 len;        /* TCP payload bytes (a GSO packet counts all its segments) */
	__u32 drop_reason;
	__u8 end;         /* END_* */
	__u8 lost_stages;
	__u16 ack16;      /* low 16 bits of the ACK number: a reused skb from the same packet passed on (not decoded) */
	struct tcptrace_stage st[TCPTRACE_MAX_STAGES];
};
SONDE_RECORD(tcptrace_pkt);

/* 288 bytes: stage-to-stage delay in ns */
struct tcptrace_hist {
	__u64 slots[TCPTRACE_MAX_SLOTS];
	__u64 sum;
	__u64 cnt;
	/*
	 * ~min, 0 = no sample yet (the map value starts zeroed), compared as unsigned; signed so that user
	 * space decodes it exactly, as -(min + 1) (an unsigned ~min is beyond a double's 53 bits)
	 */
	__s64 min_inv;
	__u64 max;
};
SONDE_RECORD(tcptrace_hist);

#endif /* __TCPTRACE_H */
