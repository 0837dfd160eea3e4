/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcpreset: the structs the kernel side hands to user space. Their TypeScript layouts are generated
 * from the compiled object's BTF into src/layout.gen.ts at build: never mirror them by hand.
 */
#ifndef __TCPRESET_H
#define __TCPRESET_H

#include "layout.h"

#define TCPRESET_SENT 0
#define TCPRESET_RECEIVED 1

/* reason when the kernel gives none: a received reset, or a sent one before 6.10 (no enum sk_rst_reason) */
#define TCPRESET_NO_REASON 0xffffffffU

/* tcpreset_event.flags */
#define TCPRESET_F_NO_SOCKET 1 /* sent for a segment no socket took: the tuple is the segment's, swapped */
#define TCPRESET_F_ACTIVE 2    /* sent by the socket itself (close with unread data or SO_LINGER 0, a timeout), not in reply */
#define TCPRESET_F_LATE 4      /* received by a socket that had closed: reported once no reset of its own followed */

#define TCPRESET_MAX_FLOWS 8192

/* one reset sent or received: the common head (who, where, whose), then what it was */
struct tcpreset_event {
	struct sk_event_head h;
	__u32 reason; /* enum sk_rst_reason; TCPRESET_NO_REASON when the kernel gives none */
	__u8 dir;     /* TCPRESET_SENT / TCPRESET_RECEIVED */
	__u8 state;   /* the socket's TCP state at the reset; 0 without a socket */
	__u8 flags;   /* TCPRESET_F_* */
	__u8 pad;
};
SONDE_RECORD(tcpreset_event);

/* `reasons` key: direction and reason */
struct tcpreset_reason_key {
	__u32 dir;
	__u32 reason;
};
SONDE_RECORD(tcpreset_reason_key);

/* `flows` key: one connection (its namespace and tuple), one direction, one reason */
struct tcpreset_flow_key {
	struct sock_tuple t;
	__u32 netns;
	__u32 reason;
	__u8 dir;
	__u8 pad[7];
};
SONDE_RECORD(tcpreset_flow_key);

/* `flows` value: how many, and whose (the last reset's socket cgroup and owner) */
struct tcpreset_flow {
	__u64 count;
	sonde_id_t cgroup;
	__u32 pid;
	__u32 pad;
	char comm[16];
};
SONDE_RECORD(tcpreset_flow);

#endif /* __TCPRESET_H */
