/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcptracer: structs shared by bpf/tcptracer.bpf.c and the user side
 * (packages/probes-tcptracer/src/layout.gen.ts is generated from them).
 */
#ifndef __TCPTRACER_H
#define __TCPTRACER_H

#include "layout.h"

#define TCPTRACER_MAX_SOCKS 65536

/* `type`: ASCII, as upstream prints it */
#define TCPTRACER_CONNECT 'C'
#define TCPTRACER_ACCEPT  'A'
#define TCPTRACER_CLOSE   'X'

/* flags per socket */
#define TCPTRACER_F_EST   1 /* reached ESTABLISHED while traced: its close is reported */
#define TCPTRACER_F_CLOSE 2 /* X already sent */

/* 104 bytes: struct sk_event_head (96) then: */
struct tcptracer_event {
	struct sk_event_head h;
	__u8 type;
	__u8 pad[7];
};
SONDE_RECORD(tcptracer_event);

#endif /* __TCPTRACER_H */
