/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The head every per-socket event starts with: when, which socket, whose, where. Probe-specific
 * fields follow it in the probe's own struct (`struct tcpstates_event { struct sk_event_head h; ...}`).
 * probe-sdk sk-event.ts decodes it (SK_EVENT_HEAD_SIZE = 96 bytes, little-endian).
 */
#ifndef __SONDE_SK_EVENT_H
#define __SONDE_SK_EVENT_H

#include <vmlinux.h>
#include "layout.h"
#include "sock.h"
#include "task.h"

struct SONDE_SHARED sk_event_head {
	sonde_ktime_t ts_ns; /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	sonde_addr_t skaddr; /* the struct sock pointer: an opaque id that ties events of one socket */
	__u32 pid;     /* owner (0 when unknown) */
	__u32 tid;
	__u32 uid;
	__u32 netns;
	sonde_id_t cgroup; /* the socket's cgroup v2 id (owner_filter.h), not the task's; 0 when none */
	char comm[SONDE_COMM_LEN];
	struct sock_tuple t; /* 40 bytes */
};

/*
 * fill the head from a socket, its tuple `t` (already read), an owner (NULL = unknown) and a time;
 * `sk` may be a request sock (its listener's cgroup is taken) or a time-wait sock (cgroup 0)
 */
static __always_inline void sk_event_head_fill_at(struct sk_event_head *h, const struct sock *sk,
						  const struct sock_tuple *t, const struct owner *o, __u64 now)
{
	h->ts_ns = now;
	h->skaddr = (__u64)sk;
	h->netns = sk_netns(sk);
	h->cgroup = sk_cgroup_id(sk);
	if (o) {
		h->pid = o->pid;
		h->tid = o->tid;
		h->uid = o->uid;
		__builtin_memcpy(h->comm, o->comm, sizeof(h->comm));
	} else {
		h->pid = 0;
		h->tid = 0;
		h->uid = 0;
		__builtin_memset(h->comm, 0, sizeof(h->comm));
	}
	__builtin_memcpy(&h->t, t, sizeof(h->t));
}

/* the same, stamped now */
static __always_inline void sk_event_head_fill(struct sk_event_head *h, const struct sock *sk,
					       const struct sock_tuple *t, const struct owner *o)
{
	sk_event_head_fill_at(h, sk, t, o, bpf_ktime_get_ns());
}

#endif /* __SONDE_SK_EVENT_H */
