// SPDX-License-Identifier: GPL-2.0
/* Test fixture for @sonde/native: one of each thing the addon wraps. Every program name starts
 * with sondefix_ so the leak checks can find them with bpftool. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "fixture.h"

char LICENSE[] SEC("license") = "GPL";

/* set before load by the tests; with targ_tgid 0 nothing is recorded */
const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_magic = 0;
const volatile __s64 targ_nr = -1; /* syscall that emits ring buffer events */

__u64 seq = 0;     /* .bss: next event sequence number */
__u64 dropped = 0; /* .bss: ring buffer reservations that failed */

/* filled by sys_enter (count per syscall nr of targ_tgid), emptied by the tests */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/* index 0: events emitted, summed over CPUs by the tests */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(sondefix_sys_enter, struct pt_regs *regs, long id)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 nr = id, zero = 0;
	__u64 one = 1, *cnt;
	struct event *e;

	if (tgid != targ_tgid)
		return 0;
	cnt = bpf_map_lookup_elem(&counts, &nr);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	else
		bpf_map_update_elem(&counts, &nr, &one, BPF_NOEXIST);
	if (id != targ_nr)
		return 0;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	e->seq = __sync_fetch_and_add(&seq, 1);
	e->tgid = tgid;
	e->magic = targ_magic;
	e->nr = nr;
	e->stack_id = bpf_get_stackid(ctx, &stacks, 0);
	bpf_ringbuf_submit(e, 0);
	cnt = bpf_map_lookup_elem(&pcpu, &zero);
	if (cnt)
		*cnt += 1;
	return 0;
}

/* one line per TCP socket: family local_port remote_port state */
SEC("iter/tcp")
int sondefix_tcp_iter(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct seq_file *seq = ctx->meta->seq;

	if (!skc)
		return 0;
	BPF_SEQ_PRINTF(seq, "%u %u %u %u\n", skc->skc_family, skc->skc_num,
		       bpf_ntohs(skc->skc_dport), skc->skc_state);
	return 0;
}

/* classic tracepoint, not loaded unless a test asks ('?' = autoload off): needs tracefs to attach */
SEC("?tracepoint/syscalls/sys_enter_getppid")
int sondefix_tp_classic(void *ctx)
{
	return 0;
}

/* not loaded unless a test asks: fentry is refused (EPERM) on some kernels, the test kernel included */
SEC("?fentry/tcp_rcv_established")
int BPF_PROG(sondefix_fentry, struct sock *sk)
{
	return 0;
}
