/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcpconnect: structs and constants shared by bpf/tcpconnect.bpf.c and the user side
 * (src/layout.gen.ts is generated from them at build; src/decode.ts says what they mean).
 */
#ifndef __TCPCONNECT_H
#define __TCPCONNECT_H

#include "layout.h"

#define TCPCONNECT_MAX_COUNTS 10240

/* tcpconnect_event.via: where the event was emitted */
#define TCPCONNECT_VIA_SYSCALL 0 /* sys_exit_connect of the connecting task */
#define TCPCONNECT_VIA_STATE   1 /* the state change that ended the handshake (non-blocking, fast open, ...) */
#define TCPCONNECT_VIA_PRESYN  2 /* tcp_v4_connect/tcp_v6_connect returned an error before any SYN (fexit) */

/* 120 bytes: struct sk_event_head (96) + these */
struct tcpconnect_event {
	struct sk_event_head h; /* owner = the task that called connect; tuple at the end of the handshake */
	__u64 lat_ns;  /* CLOSE->SYN_SENT to ESTABLISHED/CLOSE; 0 when the handshake had not ended */
	__s32 ret;     /* connect(2)'s return value (0, -errno) (VIA_PRESYN: tcp_v*_connect's); 0 when emitted at a state change */
	__s32 err;     /* sk_err when the handshake failed (ECONNREFUSED, ETIMEDOUT, ...), else 0 */
	__u8 state;    /* state the handshake ended in: ESTABLISHED (1), CLOSE (7); 0 = still SYN_SENT */
	__u8 via;      /* TCPCONNECT_VIA_* */
	__u8 pad[6];
};
SONDE_RECORD(tcpconnect_event);

/* count mode (upstream -c): one entry per (family, laddr, raddr, rport) */
struct tcpconnect_key {
	__u16 family;
	__u16 rport; /* host order */
	__u8 laddr[16];
	__u8 raddr[16];
}; /* 36 bytes */
SONDE_RECORD(tcpconnect_key);

struct tcpconnect_count {
	__u64 connects; /* every attempt */
	__u64 failed;   /* those that did not reach ESTABLISHED */
};
SONDE_RECORD(tcpconnect_count);

#endif /* __TCPCONNECT_H */
