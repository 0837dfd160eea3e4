// SPDX-License-Identifier: GPL-2.0
/* Rejected by the verifier on purpose: dereferences a map lookup without a NULL check. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH); /* array lookups with a constant key are never NULL on 6.x */
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} vals SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(sondefix_bad, struct pt_regs *regs, long id)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &k);

	return *v; /* the verifier: R0 invalid mem access (maybe NULL) */
}
