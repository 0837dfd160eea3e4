/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcpaccept: structs shared by bpf/tcpaccept.bpf.c and the user side
 * (packages/probes-tcpaccept/src/layout.gen.ts is generated from them).
 */
#ifndef __TCPACCEPT_H
#define __TCPACCEPT_H

#include "layout.h"

/* 104 bytes: struct sk_event_head (96) + these */
struct tcpaccept_event {
	struct sk_event_head h; /* owner = the accepting task; tuple of the accepted socket */
	__s32 fd;       /* accept's return value: the new descriptor */
	__u8 syscall;   /* 0 accept4, 1 accept */
	__u8 pad[3];
};
SONDE_RECORD(tcpaccept_event);

#endif /* __TCPACCEPT_H */
