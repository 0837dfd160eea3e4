/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcpstates: structs shared by bpf/tcpstates.bpf.c and the user side
 * (packages/probes-tcpstates/src/layout.gen.ts is generated from them).
 */
#ifndef __TCPSTATES_H
#define __TCPSTATES_H

#include "layout.h"

#define TCPSTATES_NSTATES  13 /* state numbers 0..12 (0 unused) */
#define TCPSTATES_MAX_SLOTS 32
#define TCPSTATES_MAX_SOCKS 65536

/* 112 bytes: struct sk_event_head (96) then: */
struct tcpstates_event {
	struct sk_event_head h;
	__u64 delta_ns; /* time spent in oldstate; 0 when its start was not seen */
	__u8 oldstate;
	__u8 newstate;
	__u8 known;     /* 1 when delta_ns was measured */
	__u8 pad[5];
};
SONDE_RECORD(tcpstates_event);

/* 272 bytes, `dwell` array index = the state left; values in usecs; cnt is left 0 (= the sum of slots) */
struct tcpstates_dwell {
	__u64 slots[TCPSTATES_MAX_SLOTS];
	__u64 sum;
	__u64 cnt;
};
SONDE_RECORD(tcpstates_dwell);

#endif /* __TCPSTATES_H */
