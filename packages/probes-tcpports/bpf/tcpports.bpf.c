// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpports: one pass over every TCP socket of the current network namespace (iter/tcp: listeners,
 * established hash incl. TIME_WAIT and request socks), counting in the kernel: sockets per state,
 * use of the ephemeral port range, connections per remote endpoint. User space only reads the
 * 192-byte summary the pass writes and the (small) remotes and owners maps: nothing per socket crosses.
 * Owner: the socket's cgroup (owner_filter.h; a time-wait socket has none and counts under 0, and an
 * owner filter leaves it out).
 *
 *   tcpports_iter  iter/tcp. The iterator walks the namespace of the process that created it:
 *                  the sonde server's. The program is called once per socket, then once with
 *                  sk_common == NULL at the end of the pass.
 *
 * Passes are separated by a generation number bumped at the first call of each pass
 * (meta->seq_num == 0): `ports` entries of older generations count as unused, so the 64 Ki-entry
 * array is never cleared. `remotes` and `owners` are cleared by user space before each pass.
 * The iterator runs one pass at a time, in one task: the globals need no atomics.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "tcpports.h"
#include "filters.h"
#include "sock.h"
#include "states.h"
#include "owner_filter.h"

const volatile __u16 targ_family = 0;
/* ip_local_port_range, read by user space */
const volatile __u32 targ_port_lo = 32768;
const volatile __u32 targ_port_hi = 60999;

/* local port -> use in the current pass; filled here, never read whole by user space */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct tcpports_port);
} ports SEC(".maps");

/* remote endpoint -> connections; filled here, read and cleared by user space around each pass */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPPORTS_MAX_REMOTES);
	__type(key, struct tcpports_remote);
	__type(value, __u64);
} remotes SEC(".maps");

/* socket cgroup id -> its sockets; filled here, read and cleared by user space around each pass */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPPORTS_MAX_OWNERS);
	__type(key, __u64);
	__type(value, struct tcpports_owner);
} owners SEC(".maps");

struct tcpports_summary summary = {};

static const struct tcpports_owner owner_zero = {};

SEC("iter/tcp")
int tcpports_iter(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct seq_file *seq = ctx->meta->seq;
	struct tcpports_remote rk = {};
	struct tcpports_port *pv;
	struct tcpports_owner *ov;
	struct sock_tuple t;
	__u64 cgroup;
	__u32 port, gen;
	__u64 *rc, one = 1;
	__u8 state;

	if (ctx->meta->seq_num == 0) {
		gen = summary.gen + 1;
		__builtin_memset(&summary, 0, sizeof(summary));
		summary.gen = gen;
		summary.port_lo = targ_port_lo;
		summary.port_hi = targ_port_hi;
	}
	if (!skc) {
		bpf_seq_write(seq, &summary, sizeof(summary));
		return 0;
	}
	if (!sock_tuple_read(&t, (const struct sock *)skc) || !family_ok(targ_family, t.family))
		return 0;
	cgroup = sk_cgroup_id((const struct sock *)skc);
	if (!cgroup_allowed(cgroup))
		return 0;
	state = BPF_CORE_READ(skc, skc_state);
	summary.sockets++;
	summary.states[state & (TCPPORTS_STATES - 1)]++;

	port = t.lport;
	ov = bpf_map_lookup_elem(&owners, &cgroup);
	if (!ov) {
		bpf_map_update_elem(&owners, &cgroup, &owner_zero, BPF_NOEXIST);
		ov = bpf_map_lookup_elem(&owners, &cgroup);
	}
	if (ov) {
		ov->sockets++;
		if (port >= targ_port_lo && port <= targ_port_hi)
			ov->eph_sockets++;
	} else {
		summary.owners_missed++;
	}
	if (port < targ_port_lo || port > targ_port_hi)
		return 0;
	summary.eph_sockets++;
	pv = bpf_map_lookup_elem(&ports, &port);
	if (pv) {
		if (pv->gen != (__u32)summary.gen) {
			pv->gen = summary.gen;
			pv->count = 0;
			summary.eph_ports_used++;
		}
		pv->count++;
		if (pv->count > summary.eph_port_max)
			summary.eph_port_max = pv->count;
	}
	/* a connection from an ephemeral port: count it against its remote endpoint */
	if (state == SONDE_TCP_LISTEN || !t.rport)
		return 0;
	rk.family = t.family;
	rk.port = t.rport;
	__builtin_memcpy(rk.addr, t.raddr, sizeof(rk.addr));
	rc = bpf_map_lookup_elem(&remotes, &rk);
	if (rc)
		(*rc)++;
	else if (bpf_map_update_elem(&remotes, &rk, &one, BPF_NOEXIST))
		summary.remotes_missed++;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
