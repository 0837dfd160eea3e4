/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcpdrop: structs and constants shared by bpf/tcpdrop.bpf.c and the user side
 * (packages/probes-tcpdrop/src/layout.gen.ts is generated from these structs' BTF).
 */
#ifndef __TCPDROP_H
#define __TCPDROP_H

#include "layout.h"

#include "sk_event.h"

#define TCPDROP_MAX_REASONS 1024
#define TCPDROP_MAX_FLOWS 10240
#define TCPDROP_MAX_STACKS 2048
#define TCPDROP_STACK_DEPTH 127

/* 56 bytes: one flow and one reason */
struct tcpdrop_flow_key {
	struct sock_tuple t; /* 40 bytes */
	__u32 reason;
	__u32 pad;
	sonde_id_t cgroup; /* the socket's cgroup v2 id (owner_filter.h); 0 without a socket */
};
SONDE_RECORD(tcpdrop_flow_key);

/* 16 bytes */
struct tcpdrop_flow_val {
	__u64 count;
	__u8 state;  /* TCP state at the last drop (0: no socket) */
	__u8 flags;  /* TCP flags of every dropped segment, or-ed */
	__u8 pad[6];
};
SONDE_RECORD(tcpdrop_flow_val);

/* 8 bytes: drops with one kernel stack and one reason */
struct tcpdrop_stack_key {
	__s32 stack_id; /* negative: bpf_get_stackid failed (-EEXIST: hash bucket taken) */
	__u32 reason;
};
SONDE_RECORD(tcpdrop_stack_key);

/* 120 bytes, in the ring buffer `events` (the first targ_max_events drops only) */
struct tcpdrop_event {
	struct sk_event_head h; /* tuple; skaddr 0 and netns from the device when there is no socket */
	sonde_addr_t location;  /* the kernel address that freed the skb */
	__u32 reason;
	__s32 stack_id;
	__u8 state;             /* 0: no socket */
	__u8 flags;             /* TCP flags; 0 when the skb carries no headers yet */
	__u8 has_sk;            /* 1: tuple from the socket, 0: from the headers */
	__u8 pad[5];
};
SONDE_RECORD(tcpdrop_event);

#endif /* __TCPDROP_H */
