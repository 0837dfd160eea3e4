/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the user side reads, said once in C: bpf/gen-layout.mjs generates each probe's TypeScript layouts
 * (src/layout.gen.ts) from the object's BTF, and these mark what BTF alone does not say.
 *
 *   SONDE_RECORD(s)
 *                  after every struct of a probe's own header (bpf/<probe>.h): its layout is generated into
 *                  the probe's layout.gen.ts. BTF keeps a struct only when a global, a map or a function
 *                  signature uses it, and no map names a ring-buffer record's type: this declares an unused
 *                  pointer to it (sonde_record_<s>, 8 bytes of .bss). The keys and values of maps and the
 *                  types of globals are found from the object without it.
 *   SONDE_SHARED   on a struct of bpf/include that user space reads in several probes: generated once into
 *                  probe-sdk (from bpf/sdk.bpf.c) and imported by the probes' layouts.
 *   sonde_addr_t, sonde_id_t, sonde_ktime_t
 *                  64-bit values decoded as bigint (kernel addresses, cgroup ids and cookies, CLOCK_MONOTONIC
 *                  ns): plain __u64 decodes as a number, exact below 2^53 (counters, sizes, durations).
 */
#ifndef __SONDE_LAYOUT_H
#define __SONDE_LAYOUT_H

#include <vmlinux.h>

#define SONDE_RECORD(s) struct s *sonde_record_##s __attribute__((unused))
#define SONDE_SHARED __attribute__((btf_decl_tag("sonde:shared")))

typedef __u64 sonde_addr_t;
typedef __u64 sonde_id_t;
typedef __u64 sonde_ktime_t;

#endif /* __SONDE_LAYOUT_H */
