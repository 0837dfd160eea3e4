// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpconnect: one event per active TCP open with who made it and how it ended — established,
 * refused (RST), timed out, unreachable — or, in count mode, a table per (laddr, raddr, rport)
 * aggregated here. Upstream (kretprobe on tcp_v4_connect) sees only that a SYN was sent.
 *
 *   tcpconnect_sk    tp_btf/inet_sock_set_state: CLOSE->SYN_SENT starts a connect in the caller's
 *                    context (connect_track.h: connect_begin fills connect_starts, and connect_tids
 *                    when inside connect(2)); SYN_SENT->ESTABLISHED/CLOSE records the outcome and
 *                    emits unless connect(2) is still running (then its exit emits).
 *   tcpconnect_exit  tracepoint/syscalls/sys_exit_connect: pops connect_tids; emits with connect's
 *                    return value, or leaves a still-pending non-blocking connect to the state change.
 *   tcpconnect_v4out/v6out  fexit on tcp_v4_connect / tcp_v6_connect (where the kernel has
 *                    trampolines): a connect that fails inside them before CLOSE->SYN_SENT (ENETUNREACH:
 *                    no route; EADDRNOTAVAIL, EAFNOSUPPORT, EINVAL, ...) changes no state, so only their
 *                    return shows it; reported with -ret as its errno. tcpconnect_skp (the state handler
 *                    of those variants) notes SYN_SENT per sk so a later failure is left to the state
 *                    path. tcp_v6_connect calls tcp_v4_connect for a v4-mapped address: only the v6
 *                    return reports (an AF_INET6 sk in tcp_v4_connect is that case).
 * connect_starts entries are deleted where the event is emitted; the LRU takes the rest.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "sk_event.h"
#include "events.h"
#include "connect_track.h"
#include "maps.h"
#include "tcpconnect.h"

const volatile bool targ_count = false; /* count mode: aggregate into `counts`, no events */

/* Filled where an event would be emitted in count mode; read (never emptied) by user space at the end. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPCONNECT_MAX_COUNTS);
	__type(key, struct tcpconnect_key);
	__type(value, struct tcpconnect_count);
} counts SEC(".maps");

static const struct tcpconnect_count count_init = {};

static __always_inline void emit(const struct sock *sk, struct connect_start *s, long ret, __u8 via)
{
	struct tcpconnect_event *e;

	if (!tuple_wanted(&s->t))
		return;

	if (targ_count) {
		struct tcpconnect_key key = {};
		struct tcpconnect_count *c;

		key.family = s->t.family;
		key.rport = s->t.rport;
		__builtin_memcpy(key.laddr, s->t.laddr, sizeof(key.laddr));
		__builtin_memcpy(key.raddr, s->t.raddr, sizeof(key.raddr));
		c = map_lookup_or_try_init(&counts, &key, &count_init);
		if (!c)
			return;
		__sync_fetch_and_add(&c->connects, 1);
		if (s->state != SONDE_TCP_ESTABLISHED)
			__sync_fetch_and_add(&c->failed, 1);
		return;
	}

	e = event_reserve(sizeof(*e));
	if (!e)
		return;
	sk_event_head_fill(&e->h, sk, &s->t, &s->o);
	e->lat_ns = s->end_ns ? s->end_ns - s->ts_ns : 0;
	e->ret = ret;
	e->err = s->err;
	e->state = s->state;
	e->via = via;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	event_submit(e);
}

/*
 * sk -> reached SYN_SENT inside its current tcp_v{4,6}_connect call. Written only by the handler of the
 * fexit variants (tcpconnect_skp), read and emptied by the fexit programs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} presyn_synsent SEC(".maps");

static __always_inline int on_state(struct sock *sk, int oldstate, int newstate, bool mark)
{
	struct connect_start *s;

	if (mark && oldstate == SONDE_TCP_CLOSE && newstate == SONDE_TCP_SYN_SENT) {
		__u64 key = (__u64)sk;
		__u8 one = 1;

		bpf_map_update_elem(&presyn_synsent, &key, &one, BPF_ANY);
	}
	s = connect_track(sk, oldstate, newstate, true);

	if (!s)
		return 0;
	/* inside connect(2) (blocking, or loopback where the handshake ends in release_sock): its exit emits */
	if (s->flags & CONNECT_F_SYSCALL)
		return 0;
	emit(sk, s, 0, TCPCONNECT_VIA_STATE);
	connect_forget(sk);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcpconnect_sk, struct sock *sk, int oldstate, int newstate)
{
	return on_state(sk, oldstate, newstate, false);
}

/* the same, noting SYN_SENT for the fexit programs */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcpconnect_skp, struct sock *sk, int oldstate, int newstate)
{
	return on_state(sk, oldstate, newstate, true);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int tcpconnect_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct sock *sk = connect_syscall_end();
	struct connect_start *s;
	long ret = ctx->ret;

	if (!sk)
		return 0;
	s = connect_lookup(sk);
	if (!s)
		return 0;
	if (!(s->flags & CONNECT_F_RESOLVED)) {
		if (connect_ret_pending(ret)) {
			/* the handshake goes on: the state change that ends it emits */
			s->flags &= ~CONNECT_F_SYSCALL;
			return 0;
		}
		/* failed before any state change we saw (should not happen): take the tuple now */
		connect_resolve(s, sk, ret == 0 ? SONDE_TCP_ESTABLISHED : SONDE_TCP_CLOSE);
	}
	/* a failure connect(2) reported without sk_err (EADDRNOTAVAIL: no free source port) */
	if (ret < 0 && !s->err && !connect_ret_pending(ret))
		s->err = -ret;
	emit(sk, s, ret, TCPCONNECT_VIA_SYSCALL);
	connect_forget(sk);
	return 0;
}

/* the connect's tuple: destination from the sockaddr connect was given, source as the socket has it (0 unless bound) */
static __always_inline void presyn_tuple(struct sock_tuple *t, const struct sock *sk, const struct sockaddr *uaddr)
{
	__u16 fam = 0;

	sock_tuple_read(t, sk); /* family, and the bound address/port if any */
	__builtin_memset(t->raddr, 0, sizeof(t->raddr));
	t->rport = 0;
	bpf_probe_read_kernel(&fam, sizeof(fam), &uaddr->sa_family);
	if (fam == AF_INET) {
		const struct sockaddr_in *in = (const void *)uaddr;
		__u16 port = 0;

		bpf_probe_read_kernel(&port, sizeof(port), &in->sin_port);
		bpf_probe_read_kernel(t->raddr, 4, &in->sin_addr);
		t->rport = bpf_ntohs(port);
		if (t->family == AF_INET6) { /* never: tcp_v4_connect on a v6 socket comes from tcp_v6_connect's mapped path */
			t->family = AF_INET;
			__builtin_memset(t->laddr, 0, sizeof(t->laddr));
		}
	} else if (fam == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)uaddr;
		__u16 port = 0;

		bpf_probe_read_kernel(&port, sizeof(port), &in6->sin6_port);
		bpf_probe_read_kernel(t->raddr, 16, &in6->sin6_addr);
		t->rport = bpf_ntohs(port);
		t->family = AF_INET6;
		/* a v4-mapped destination is an IPv4 connect (tcp_v6_connect hands it to tcp_v4_connect): an
		 * unbound source (::) counts as mapped, so it folds to AF_INET like the sockets it would become */
		if (addr_is_v4mapped(t->raddr) && !(t->laddr[0] | t->laddr[1] | t->laddr[2] | t->laddr[3] | t->laddr[4] |
						     t->laddr[5] | t->laddr[6] | t->laddr[7] | t->laddr[8] | t->laddr[9] |
						     t->laddr[10] | t->laddr[11] | t->laddr[12] | t->laddr[13] |
						     t->laddr[14] | t->laddr[15])) {
			addr_unmap_v4(t->raddr);
			t->family = AF_INET;
		} else {
			sock_tuple_fold_v4mapped(t);
		}
	}
}

/* at the return of tcp_v4_connect (v6: false) or tcp_v6_connect (v6: true) */
static __always_inline int presyn_exit(const struct sock *sk, const struct sockaddr *uaddr, int ret, bool v6)
{
	__u64 key = (__u64)sk;
	struct connect_start s = {};
	bool synsent;

	/* tcp_v6_connect hands a v4-mapped destination to tcp_v4_connect: its own return reports */
	if (!v6 && BPF_CORE_READ(sk, __sk_common.skc_family) == AF_INET6)
		return 0;
	synsent = bpf_map_lookup_elem(&presyn_synsent, &key) != NULL;
	if (synsent)
		bpf_map_delete_elem(&presyn_synsent, &key);
	/* succeeded, or failed after SYN_SENT (the state path and sys_exit_connect report it) */
	if (ret >= 0 || synsent)
		return 0;
	/* connect(2)'s context: current is the caller */
	owner_current(&s.o);
	if (!owner_allowed(&s.o) || !netns_allowed(sk) || !sk_owner_allowed(sk))
		return 0;
	presyn_tuple(&s.t, sk, uaddr);
	s.state = SONDE_TCP_CLOSE;
	s.err = -ret;
	emit(sk, &s, ret, TCPCONNECT_VIA_PRESYN);
	return 0;
}

SEC("fexit/tcp_v4_connect")
int BPF_PROG(tcpconnect_v4out, struct sock *sk, struct sockaddr *uaddr, int addr_len, int ret)
{
	return presyn_exit(sk, uaddr, ret, false);
}

SEC("fexit/tcp_v6_connect")
int BPF_PROG(tcpconnect_v6out, struct sock *sk, struct sockaddr *uaddr, int addr_len, int ret)
{
	return presyn_exit(sk, uaddr, ret, true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
