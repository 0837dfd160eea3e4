/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tcpsubnet: constants and structs shared by bpf/tcpsubnet.bpf.c and packages/probes-tcpsubnet. */
#ifndef __TCPSUBNET_H
#define __TCPSUBNET_H

#include "layout.h"

/* subnets in the user's list; slot TCPSUBNET_MAX_NETS of `subnet_bytes` counts sends matching none */
#define TCPSUBNET_MAX_NETS 32
/* rows of `subnet_owner_bytes`: (subnet slot, owner) pairs */
#define TCPSUBNET_MAX_KEYS 4096

/* 16 bytes: a subnet slot and the sending socket's cgroup (grouping by owner) */
struct subnet_key {
	__u32 slot;        /* i = subnet i of the list; TCPSUBNET_MAX_NETS = no match */
	__u32 pad;
	sonde_id_t cgroup; /* the socket's cgroup v2 id (owner_filter.h) */
};
SONDE_RECORD(subnet_key);

/* 16 bytes, one per subnet slot, cumulative since attach */
struct subnet_val {
	__u64 bytes; /* bytes sendmsg() handed to TCP (ret > 0) towards the subnet */
	__u64 sends; /* successful send calls */
};
SONDE_RECORD(subnet_val);

#endif /* __TCPSUBNET_H */
