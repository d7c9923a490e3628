/* SPDX-License-Identifier: GPL-2.0 */
/* Per-CPU packet and byte counters, indexed by enum eb_counter. */
#ifndef EB_LIB_COUNTERS_H
#define EB_LIB_COUNTERS_H

#include "maps.h"

static __always_inline void eb_count(__u32 idx, __u32 bytes)
{
	struct eb_counter_val *v = bpf_map_lookup_elem(&eb_stats, &idx);

	if (v) {
		v->packets++;
		v->bytes += bytes;
	}
}

#endif
