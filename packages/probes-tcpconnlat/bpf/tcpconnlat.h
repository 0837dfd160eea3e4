/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcpconnlat: structs shared by bpf/tcpconnlat.bpf.c and the user side
 * (packages/probes-tcpconnlat/src/layout.gen.ts is generated from them).
 */
#ifndef __TCPCONNLAT_H
#define __TCPCONNLAT_H

#include "layout.h"

#define TCPCONNLAT_MAX_SLOTS 27

/* `hists` key .idx */
#define TCPCONNLAT_HIST_OK     0 /* handshakes that reached ESTABLISHED */
#define TCPCONNLAT_HIST_FAILED 1 /* handshakes that ended in CLOSE (refused, timed out, ...) */
#define TCPCONNLAT_MAX_HISTS   2048 /* 2 per cgroup, for 1024 cgroups */

/* 16 bytes; cgroup 0 unless grouping by owner */
struct tcpconnlat_hist_key {
	__u32 idx;
	__u32 pad;
	sonde_id_t cgroup; /* targ_by_cgroup: the socket's cgroup v2 id (owner_filter.h) */
};
SONDE_RECORD(tcpconnlat_hist_key);

/* 112 bytes: struct sk_event_head (96) + these */
struct tcpconnlat_event {
	struct sk_event_head h; /* owner = the connecting task; ts = end of the handshake */
	__u64 lat_ns; /* CLOSE->SYN_SENT to SYN_SENT->ESTABLISHED/CLOSE */
	__s32 err;    /* sk_err when it ended in CLOSE: ECONNREFUSED after a RST, ETIMEDOUT, ... */
	__u8 state;   /* ESTABLISHED (1) or CLOSE (7) */
	__u8 pad[3];
};
SONDE_RECORD(tcpconnlat_event);

/* 248 bytes, microseconds */
struct tcpconnlat_hist {
	__u64 slots[TCPCONNLAT_MAX_SLOTS];
	__u64 sum;
	__u64 cnt;
	__u64 min1; /* smallest sample + 1; 0 = no sample yet (entries start zeroed) */
	__u64 max;
};
SONDE_RECORD(tcpconnlat_hist);

#endif /* __TCPCONNLAT_H */
