/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcpports: structs and constants shared by bpf/tcpports.bpf.c and the user side
 * (src/layout.gen.ts is generated from them at build; src/decode.ts says what they mean).
 */
#ifndef __TCPPORTS_H
#define __TCPPORTS_H

#include "layout.h"

#define TCPPORTS_STATES 16
#define TCPPORTS_MAX_REMOTES 16384
#define TCPPORTS_MAX_OWNERS 4096

/* 8 bytes: one local port's use in this pass */
struct tcpports_port {
	__u32 gen;   /* the pass that last touched it; older = unused in this pass */
	__u32 count; /* sockets on this local port */
};
SONDE_RECORD(tcpports_port);

/* 20 bytes: a remote endpoint of connections from an ephemeral local port */
struct tcpports_remote {
	__u16 family;
	__u16 port;   /* host order */
	__u8 addr[16];
};
SONDE_RECORD(tcpports_remote);

/* 16 bytes: one owner's sockets (key: the socket's cgroup v2 id; 0 = time-wait and sockets with none) */
struct tcpports_owner {
	__u64 sockets;
	__u64 eph_sockets; /* on a local port in the ephemeral range */
};
SONDE_RECORD(tcpports_owner);

/* 192 bytes: written once per pass, at the end, as the iterator's whole output */
struct tcpports_summary {
	__u64 gen;
	__u64 sockets;                 /* sockets that passed the filters */
	__u64 states[TCPPORTS_STATES]; /* by TCP state number */
	__u64 eph_sockets;             /* sockets whose local port is in the ephemeral range */
	__u64 eph_ports_used;          /* distinct local ports in the range */
	__u64 eph_port_max;            /* most sockets sharing one local port in the range */
	__u64 remotes_missed;          /* sockets whose remote endpoint did not fit the map */
	__u32 port_lo;
	__u32 port_hi;
	__u64 owners_missed;           /* sockets whose owner did not fit the owners map */
};
SONDE_RECORD(tcpports_summary);

#endif /* __TCPPORTS_H */
