// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcptop: bytes each process sends and receives per TCP connection, like bcc's tcptop, counted
 * where the socket layer returns to the process: sock:sock_send_length / sock:sock_recv_length
 * fire in the caller's context after sock_sendmsg()/sock_recvmsg() with the real return value.
 * Only ret > 0 counts, so failed sends (bcc #2440) and peeks are not bytes; receives are what was
 * copied to the process, not what tcp_cleanup_rbuf saw (bcc #5352 over-counts).
 *
 * Before 6.3 (no such tracepoints) the same counts come from tcp_sendmsg()/tcp_recvmsg() with
 * their return values (tcp_sendrecv.h): fexit where the kernel has trampolines, else a
 * kprobe/kretprobe pair. Same rules: ret > 0, no MSG_PEEK, the caller's process context.
 *
 * Aggregated here in `flows`; user space reads it at every interval and reports deltas.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "tcptop.h"
#include "maps.h"
#include "sock.h"
#include "states.h"
#include "task.h"
#include "tuple_filter.h"
#include "tcp_sendrecv.h"

/*
 * Filled by both handlers (one entry per pid x comm x tuple), never emptied in the kernel: the
 * map is cumulative, user space diffs snapshots. When it is full new rows are not counted and
 * `flows_full` says how many calls that missed.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPTOP_MAX_FLOWS);
	__type(key, struct tcptop_key);
	__type(value, struct tcptop_val);
} flows SEC(".maps");

__u64 flows_full = 0;

static const struct tcptop_val zero;

static __always_inline int count(struct sock *sk, int ret, bool tx)
{
	struct tcptop_key key = {};
	/*
	 * zeroed: the comm goes into the key whole, and bpf_get_current_comm() on 6.1 copies with
	 * strscpy (no padding): stack bytes after the NUL split one flow into several rows
	 */
	struct owner o = {};
	struct tcptop_val *v;

	if (ret <= 0 || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP || !netns_allowed(sk) || !sk_owner_allowed(sk))
		return 0;
	owner_current(&o);
	if (!owner_allowed(&o))
		return 0;
	if (!sock_tuple_read(&key.t, sk) || !tuple_wanted(&key.t))
		return 0;
	key.pid = o.pid;
	__builtin_memcpy(key.comm, o.comm, sizeof(key.comm));
	key.cgroup = sk_cgroup_id(sk);

	v = map_lookup_or_try_init(&flows, &key, &zero);
	if (!v) {
		__sync_fetch_and_add(&flows_full, 1);
		return 0;
	}
	if (tx) {
		__sync_fetch_and_add(&v->sent, ret);
		__sync_fetch_and_add(&v->sends, 1);
	} else {
		__sync_fetch_and_add(&v->received, ret);
		__sync_fetch_and_add(&v->recvs, 1);
	}
	return 0;
}

/* sock_sendmsg_nosec(): ret is what the protocol's sendmsg returned; flags are always 0 */
SEC("tp_btf/sock_send_length")
int BPF_PROG(tcptop_send, struct sock *sk, int ret, int flags)
{
	return count(sk, ret, true);
}

/* sock_recvmsg_nosec(): a MSG_PEEK read leaves the data queued for the next read: not counted */
SEC("tp_btf/sock_recv_length")
int BPF_PROG(tcptop_recv, struct sock *sk, int ret, int flags)
{
	if (flags & MSG_PEEK)
		return 0;
	return count(sk, ret, false);
}

/* fallback: tcp_sendmsg() returned the bytes it queued (or -errno) */
SEC("fexit/tcp_sendmsg")
int BPF_PROG(tcptop_fexit_send, struct sock *sk, struct msghdr *msg, size_t size, int ret)
{
	return count(sk, ret, true);
}

/* fallback: tcp_recvmsg() returned the bytes it copied to the process (or -errno) */
SEC("fexit/tcp_recvmsg")
int BPF_PROG(tcptop_fexit_recv, struct sock *sk)
{
	int ret, flags;

	if (!tcp_recvmsg_fexit_result(ctx, &ret, &flags) || (flags & MSG_PEEK))
		return 0;
	return count(sk, ret, false);
}

/* fallback without trampolines: arguments stashed at entry, counted at return */
SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(tcptop_kprobe_send, struct sock *sk)
{
	tcp_sendrecv_stash(sk, 0, false);
	return 0;
}

SEC("kretprobe/tcp_sendmsg")
int BPF_KRETPROBE(tcptop_kretprobe_send, int ret)
{
	int flags;
	struct sock *sk = tcp_sendrecv_take(&flags, false);

	if (!sk)
		return 0;
	return count(sk, ret, true);
}

SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(tcptop_kprobe_recv, struct sock *sk, struct msghdr *msg, size_t len, int flags)
{
	tcp_sendrecv_stash(sk, flags, true);
	return 0;
}

SEC("kretprobe/tcp_recvmsg")
int BPF_KRETPROBE(tcptop_kretprobe_recv, int ret)
{
	int flags;
	struct sock *sk = tcp_sendrecv_take(&flags, true);

	if (!sk || (flags & MSG_PEEK))
		return 0;
	return count(sk, ret, false);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
