/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * __probe__: the structs the kernel side hands to user space. Their TypeScript layouts are generated
 * from the compiled object's BTF into src/layout.gen.ts at build: never mirror them by hand.
 */
#ifndef __PROBE___H
#define __PROBE___H

#include "layout.h"

/* one state change of one socket: the common head (who, where, whose) and the two states */
struct __probe___event {
	struct sk_event_head h;
	__u8 oldstate;
	__u8 newstate;
	__u8 pad[6];
};
SONDE_RECORD(__probe___event);

#endif /* __PROBE___H */
