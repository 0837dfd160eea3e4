// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpsubnet: bytes sent over TCP per destination subnet, like bcc's tcpsubnet. The subnets are the
 * user's ordered list, matched here in the kernel, first match wins (a list ending in 0.0.0.0/0
 * catches the rest). An LPM trie would pick the longest prefix instead, so the list is an ordered
 * rodata array, tried in order.
 *
 * Hook: sock:sock_send_length, in the sender's context after sock_sendmsg(), with its real
 * return value: only ret > 0 counts (failed sends are not bytes). Before 6.3 (no such tracepoint)
 * the return of tcp_sendmsg() gives the same count (tcp_sendrecv.h): fexit where the kernel has
 * trampolines, else a kprobe/kretprobe pair.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "tcpsubnet.h"
#include "filters.h"
#include "sock.h"
#include "states.h"
#include "task.h"
#include "tuple_filter.h"
#include "tcp_sendrecv.h"
#include "maps.h"

/* the user's list, in order: network (16 bytes, network order), prefix length, AF_INET/AF_INET6 */
const volatile __u8 targ_nets[TCPSUBNET_MAX_NETS][16] = {};
const volatile __u32 targ_net_prefix[TCPSUBNET_MAX_NETS] = {};
const volatile __u16 targ_net_family[TCPSUBNET_MAX_NETS] = {};
const volatile __u32 targ_nnets = 0;
/* rows per subnet and sending socket's cgroup (user space groups them by pod or container) */
const volatile bool targ_by_owner = false;

/*
 * Filled by tcpsubnet_send: slot i = subnet i of the list, slot TCPSUBNET_MAX_NETS = no match. Never
 * emptied in the kernel: user space diffs snapshots per interval. An array: the default path stays
 * one array lookup per send.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TCPSUBNET_MAX_NETS + 1);
	__type(key, __u32);
	__type(value, struct subnet_val);
} subnet_bytes SEC(".maps");

/*
 * With targ_by_owner instead: per slot and sending socket's cgroup. When it is full, `keys_full`
 * counts the sends of new (subnet, cgroup) pairs it missed.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPSUBNET_MAX_KEYS);
	__type(key, struct subnet_key);
	__type(value, struct subnet_val);
} subnet_owner_bytes SEC(".maps");

__u64 keys_full = 0;

static const struct subnet_val zero;

static __always_inline int count(struct sock *sk, int ret)
{
	struct sock_tuple t;
	struct owner o;
	struct subnet_val *v;
	struct subnet_key key = {};
	__u32 slot = TCPSUBNET_MAX_NETS;

	if (ret <= 0 || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP || !netns_allowed(sk) || !sk_owner_allowed(sk))
		return 0;
	if (task_filter_on()) {
		owner_current(&o);
		if (!owner_allowed(&o))
			return 0;
	}
	if (!sock_tuple_read(&t, sk) || !tuple_wanted(&t))
		return 0;

	/*
	 * A bounded loop (not unrolled: 32 x the 16-byte unrolled CIDR compare would be large); the
	 * variable index into the rodata arrays is bounded by the loop condition, which the verifier
	 * tracks.
	 */
	for (__u32 i = 0; i < TCPSUBNET_MAX_NETS; i++) {
		if (i >= targ_nnets)
			break;
		if (addr_in_cidr(targ_nets[i], targ_net_family[i], targ_net_prefix[i], t.family, t.raddr)) {
			slot = i;
			break;
		}
	}
	if (targ_by_owner) {
		key.slot = slot;
		key.cgroup = sk_cgroup_id(sk);
		v = map_lookup_or_try_init(&subnet_owner_bytes, &key, &zero);
		if (!v) {
			__sync_fetch_and_add(&keys_full, 1);
			return 0;
		}
	} else {
		v = bpf_map_lookup_elem(&subnet_bytes, &slot);
		if (!v)
			return 0;
	}
	__sync_fetch_and_add(&v->bytes, ret);
	__sync_fetch_and_add(&v->sends, 1);
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(tcpsubnet_send, struct sock *sk, int ret, int flags)
{
	return count(sk, ret);
}

/* fallback: tcp_sendmsg() returned the bytes it queued (or -errno) */
SEC("fexit/tcp_sendmsg")
int BPF_PROG(tcpsubnet_fexit_send, struct sock *sk, struct msghdr *msg, size_t size, int ret)
{
	return count(sk, ret);
}

/* fallback without trampolines: sk stashed at entry, counted at return */
SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(tcpsubnet_kprobe_send, struct sock *sk)
{
	tcp_sendrecv_stash(sk, 0, false);
	return 0;
}

SEC("kretprobe/tcp_sendmsg")
int BPF_KRETPROBE(tcpsubnet_kretprobe_send, int ret)
{
	int flags;
	struct sock *sk = tcp_sendrecv_take(&flags, false);

	if (!sk)
		return 0;
	return count(sk, ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
