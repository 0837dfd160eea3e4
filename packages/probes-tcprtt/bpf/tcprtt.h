/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcprtt: structs and constants shared by bpf/tcprtt.bpf.c and the user side
 * (packages/probes-tcprtt/src/layout.gen.ts is generated from these structs' BTF).
 */
#ifndef __TCPRTT_H
#define __TCPRTT_H

#include "layout.h"

#define TCPRTT_MAX_SLOTS   27
#define TCPRTT_MAX_ENTRIES 10240

/* targ_by */
#define TCPRTT_BY_NONE  0
#define TCPRTT_BY_LADDR 1
#define TCPRTT_BY_RADDR 2
#define TCPRTT_BY_CGROUP 3 /* the socket's cgroup: user space groups the cgroups by pod or container */

/* 32 bytes; all zero when not grouped */
struct hist_key {
	__u8 family;  /* AF_INET (2) / AF_INET6 (10) */
	__u8 pad[3];
	__u8 addr[16]; /* network order; IPv4 in the first 4 bytes */
	__u32 pad2;
	sonde_id_t cgroup; /* TCPRTT_BY_CGROUP: the socket's cgroup v2 id (owner_filter.h) */
};
SONDE_RECORD(hist_key);

/* 248 bytes; values in the unit chosen by targ_ms (usecs or msecs) */
struct hist {
	__u64 slots[TCPRTT_MAX_SLOTS]; /* log2 slots; the last one also takes larger values */
	__u64 latency;                 /* sum of the samples */
	__u64 cnt;
	__u64 min;                     /* ~0 until the first sample */
	__u64 max;
};
SONDE_RECORD(hist);

#endif /* __TCPRTT_H */
