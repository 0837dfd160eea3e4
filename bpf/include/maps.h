/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __SONDE_MAPS_H
#define __SONDE_MAPS_H

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#ifndef EEXIST
#define EEXIST 17
#endif

/*
 * Look a key up, inserting `init` first when it is absent. BPF_NOEXIST makes the insert lose
 * cleanly when another CPU inserted the same key first (-EEXIST): both then update the one
 * entry that won. Returns NULL only when the map is full.
 */
static __always_inline void *
map_lookup_or_try_init(void *map, const void *key, const void *init)
{
	void *val;
	long err;

	val = bpf_map_lookup_elem(map, key);
	if (val)
		return val;

	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return NULL;

	return bpf_map_lookup_elem(map, key);
}

#endif /* __SONDE_MAPS_H */
