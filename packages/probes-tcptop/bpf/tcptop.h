/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcptop: structs shared by bpf/tcptop.bpf.c and the user side (packages/probes-tcptop/src/layout.gen.ts is generated from them).
 */
#ifndef __TCPTOP_H
#define __TCPTOP_H

#include "layout.h"

#include "sock.h"

#define TCPTOP_MAX_FLOWS 16384
#define TCPTOP_COMM_LEN  16

/* 72 bytes: one row of the table (process x connection) */
struct tcptop_key {
	struct sock_tuple t; /* 40 bytes, ports host order, addresses network order */
	__u32 pid;           /* tgid of the task that sent or received */
	__u32 pad;
	char comm[TCPTOP_COMM_LEN];
	sonde_id_t cgroup;   /* the socket's cgroup v2 id (owner_filter.h): one per connection, splits no row */
};
SONDE_RECORD(tcptop_key);

/* 32 bytes, cumulative since attach (user space reports per-interval deltas) */
struct tcptop_val {
	__u64 sent;       /* bytes sendmsg() handed to TCP (ret > 0) */
	__u64 received;   /* bytes recvmsg() copied to the process (ret > 0, not MSG_PEEK) */
	__u64 sends;      /* successful send calls */
	__u64 recvs;      /* successful receive calls */
};
SONDE_RECORD(tcptop_val);

#endif /* __TCPTOP_H */
