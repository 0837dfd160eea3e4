/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcplife: structs shared by bpf/tcplife.bpf.c and the user side
 * (packages/probes-tcplife/src/layout.gen.ts is generated from them).
 */
#ifndef __TCPLIFE_H
#define __TCPLIFE_H

#include "layout.h"

#define TCPLIFE_MAX_SLOTS 48
#define TCPLIFE_MAX_SOCKS 65536

/* `hists` array indexes */
#define TCPLIFE_HIST_DURATION 0 /* usecs */
#define TCPLIFE_HIST_TX       1 /* bytes */
#define TCPLIFE_HIST_RX       2 /* bytes */
#define TCPLIFE_NHISTS        3

/* 120 bytes: struct sk_event_head (96) then: */
struct tcplife_event {
	struct sk_event_head h;
	__u64 tx_bytes; /* payload acked by the peer (bytes_acked less SYN/FIN) */
	__u64 rx_bytes; /* payload received (bytes_received less FIN) */
	__u64 dur_ns;   /* first state below FIN_WAIT1 -> CLOSE */
};
SONDE_RECORD(tcplife_event);

/* 400 bytes */
struct tcplife_hist {
	__u64 slots[TCPLIFE_MAX_SLOTS];
	__u64 sum;
	__u64 cnt;
};
SONDE_RECORD(tcplife_hist);

#endif /* __TCPLIFE_H */
