// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * __probe__: one event per TCP state change, with the socket's owning process and tuple, counted per new
 * state in the kernel. (The template's example: replace the handler with what your probe sees.)
 *
 *   __probe___btf  tp_btf/inet_sock_set_state           (hooks.h SONDE_STATE_HOOKS; BTF tracepoints)
 *   __probe___tp   tracepoint/sock/inet_sock_set_state  (the same, where tp_btf is missing)
 *   __probe___acc4, __probe___acc  the accept exits: who accepted a passive socket (attrib.h)
 * State changes in softirq (a passive ESTABLISHED, a FIN received) run on whatever task the CPU was in:
 * the owning process is the one attrib.h remembered for the socket (connect, listen, accept, close).
 * Filters (bpf/include): tuple_filter.h (ports, addresses, family), task.h (pid, uid, comm, netns) and
 * owner_filter.h (containers and pods, by the socket's cgroup), set by user space as rodata.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "hooks.h"
#include "sk_event.h"
#include "events.h"
#include "tuple_filter.h"
#include "attrib.h"
#include "states.h"
#include "__probe__.h"

/* new state -> changes into it; read by user space at the end */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} by_state SEC(".maps");

static __always_inline int handle(const struct sock *sk, int oldstate, int newstate)
{
	struct __probe___event *e;
	struct owner buf, *o;
	struct sock_tuple t;
	__u32 key = newstate & 15;
	__u64 *n;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	o = owner_on_state(sk, oldstate, newstate, &buf);
	if (newstate == SONDE_TCP_CLOSE)
		owner_forget(sk);
	if ((task_filter_on() && (!o || !owner_allowed(o))) || !netns_allowed(sk) || !sk_owner_allowed(sk))
		return 0;
	if (!sock_tuple_read(&t, sk) || !tuple_wanted(&t))
		return 0;
	n = bpf_map_lookup_elem(&by_state, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	e = event_reserve(sizeof(*e));
	if (!e)
		return 0;
	sk_event_head_fill(&e->h, sk, &t, o);
	e->oldstate = oldstate;
	e->newstate = newstate;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	event_submit(e);
	return 0;
}

SONDE_STATE_HOOKS(handle, __probe___btf, __probe___tp)
SONDE_ACCEPT_HOOKS(owner_accept_exit, __probe___acc4, __probe___acc)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
