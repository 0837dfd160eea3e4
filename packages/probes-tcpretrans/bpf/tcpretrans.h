/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcpretrans: structs shared by bpf/tcpretrans.bpf.c and the user side
 * (packages/probes-tcpretrans/src/layout.gen.ts is generated from these structs' BTF).
 */
#ifndef __TCPRETRANS_H
#define __TCPRETRANS_H

#include "layout.h"

#define TCPRETRANS_MAX_FLOWS 10240

#define TCPRETRANS_TYPE_RETRANS 1 /* tcp_retransmit_skb, err == 0 */
#define TCPRETRANS_TYPE_SYNACK  2 /* tcp_retransmit_synack */
#define TCPRETRANS_TYPE_TLP     3 /* tcp_send_loss_probe sent a probe (TcpExtTCPLossProbes) */

/* 112 bytes: struct sk_event_head (96) then: */
struct tcpretrans_event {
	struct sk_event_head h;
	__u32 seq;   /* TCP_SKB_CB(skb)->seq; for a SYN-ACK, the ISN it carries; for a TLP, tlp_high_seq (snd_nxt) */
	__u32 segs;  /* segments in the skb (tcp_skb_pcount), 1 for a SYN-ACK, 0 for a TLP */
	__u8 state;  /* the socket's TCP state */
	__u8 type;   /* TCPRETRANS_TYPE_* */
	__u8 pad[6];
};
SONDE_RECORD(tcpretrans_event);

/* `flows` key (48 bytes): a connection and its socket's cgroup v2 id (owner_filter.h; one per socket) */
struct tcpretrans_flow_key {
	struct sock_tuple t;
	sonde_id_t cgroup;
};
SONDE_RECORD(tcpretrans_flow_key);

/* `flows` value (24 bytes) */
struct tcpretrans_count {
	__u64 retransmits; /* skbs retransmitted (and SYN-ACKs) */
	__u64 segments;    /* segments in them: what TcpRetransSegs counts */
	__u64 tlp;         /* tail-loss probes sent (TcpExtTCPLossProbes); 0 unless targ_tlp */
};
SONDE_RECORD(tcpretrans_count);

#endif /* __TCPRETRANS_H */
