// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Not a probe, never loaded: the structs of bpf/include that user space reads in several probes
 * (tagged SONDE_SHARED), gathered in one object so that bpf/gen-layout.mjs --sdk generates their
 * layouts once, into packages/probe-sdk/src/layout.gen.ts. A probe's generated layouts import them.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include "layout.h"
#include "sock.h"
#include "task.h"
#include "attrib.h"
#include "connect.h"
#include "sk_event.h"
#include "owner_filter.h"

static __always_inline bool listener_wanted(const struct sock *sk, const struct sock_tuple *t, __u32 netns)
{
	return true;
}

#include "listeners.h"
#include "tcp_sendrecv.h"

/* one global of each: BTF keeps a struct only when something uses it */
struct sk_event_head sdk_sk_event_head;
struct sonde_listener sdk_sonde_listener;
struct sonde_listener_closed_key sdk_sonde_listener_closed_key;
struct listener_rx_mark sdk_listener_rx_mark;
struct listen_key sdk_listen_key;
struct connect_start sdk_connect_start;
struct tcp_sendrecv_call sdk_tcp_sendrecv_call;

char LICENSE[] SEC("license") = "Dual BSD/GPL";
