/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcpsynbl: structs and constants shared by bpf/tcpsynbl.bpf.c and the user side
 * (packages/probes-tcpsynbl/src/layout.gen.ts is generated from them).
 */
#ifndef __TCPSYNBL_H
#define __TCPSYNBL_H

#include "layout.h"

#define TCPSYNBL_MAX_SLOTS 32
#define TCPSYNBL_MAX_ENTRIES 4096

/* 16 bytes: one listener port, its accept-queue limit (listen()'s backlog, capped by somaxconn) and owner */
struct synbl_key {
	__u32 max_backlog;
	__u16 lport;
	__u16 pad;
	sonde_id_t cgroup; /* the listener's cgroup v2 id (owner_filter.h): whose listener */
};
SONDE_RECORD(synbl_key);

/* 288 bytes */
struct synbl_val {
	__u64 slots[TCPSYNBL_MAX_SLOTS]; /* log2 of the accept-queue length when a connection was added */
	__u64 count;
	__u64 sum;
	__u64 max;                       /* the longest queue seen */
	__u64 overflows;                 /* segments dropped because the queue was full (TCP_LISTEN_OVERFLOW) */
};
SONDE_RECORD(synbl_val);

#endif /* __TCPSYNBL_H */
