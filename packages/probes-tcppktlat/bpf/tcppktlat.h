/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tcppktlat: structs shared by bpf/tcppktlat.bpf.c and the user side
 * (packages/probes-tcppktlat/src/layout.gen.ts is generated from these structs' BTF).
 */
#ifndef __TCPPKTLAT_H
#define __TCPPKTLAT_H

#include "layout.h"

#include "sk_event.h"

#define TCPPKTLAT_MAX_SLOTS 27
#define TCPPKTLAT_MAX_SOCKS 16384

/* 104 bytes: a read whose data waited at least targ_min_us */
struct pktlat_event {
	struct sk_event_head h; /* owner = the reading task */
	__u64 delta_ns;         /* oldest unread segment's arrival -> this read */
};
SONDE_RECORD(pktlat_event);

/* 248 bytes: every read's wait in usecs (also those under targ_min_us) */
struct pktlat_hist {
	__u64 slots[TCPPKTLAT_MAX_SLOTS];
	__u64 sum;
	__u64 cnt;
	/*
	 * ~min (0 until the first sample: the map starts zeroed), compared as unsigned; signed so that user
	 * space decodes it exactly, as -(min + 1) (an unsigned ~min is beyond a double's 53 bits)
	 */
	__s64 min_inv;
	__u64 max;
};
SONDE_RECORD(pktlat_hist);

#endif /* __TCPPKTLAT_H */
