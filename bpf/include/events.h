/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The event path of streaming probes: one ring buffer `events` that user space drains in batches
 * (probe-sdk drainEvents), and `lost_events`, counting records the kernel could not reserve because
 * the buffer was full — reported in every result as stats.lost.
 * The loader sizes `events` with maxEntries (a power of two, in bytes); 4 MiB by default.
 */
#ifndef __SONDE_EVENTS_H
#define __SONDE_EVENTS_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

__u64 lost_events = 0;

static __always_inline void *event_reserve(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		__sync_fetch_and_add(&lost_events, 1);
	return e;
}

static __always_inline void event_submit(void *e)
{
	bpf_ringbuf_submit(e, 0);
}

#endif /* __SONDE_EVENTS_H */
