/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Integer log2 for log2 histogram slots, branch-free like libbpf-tools' bits.bpf.h.
 * Slot i counts values in [2^i, 2^(i+1)); slot 0 holds both 0 and 1. The user side
 * (probe-sdk histogram.ts) uses the same convention.
 */
#ifndef __SONDE_LOG2_H
#define __SONDE_LOG2_H

#include <vmlinux.h>

/* floor(log2(v)) for v > 0; 0 for v == 0 */
static __always_inline __u64 log2_u32(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u64 log2_u64(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2_u32(hi) + 32 : log2_u32(v);
}

/*
 * The slot for v in a histogram of `nslots` slots. The last slot also takes everything larger,
 * and the clamp keeps the slot index provably in bounds for the verifier.
 *
 * Verifier trap: returning a __u32 made clang compare one register and index with a zero-extended
 * copy of it; 6.1's verifier does not carry the bound across that copy ("unbounded memory access").
 * A 64-bit slot is compared and used in the same register, and the barrier keeps clang from
 * splitting the clamp from the use.
 */
static __always_inline __u64 log2_slot(__u64 v, __u64 nslots)
{
	__u64 slot = log2_u64(v);

	if (slot >= nslots)
		slot = nslots - 1;
	asm volatile("" : "+r"(slot));
	return slot;
}

#endif /* __SONDE_LOG2_H */
