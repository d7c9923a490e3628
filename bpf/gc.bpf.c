// SPDX-License-Identifier: GPL-2.0
/*
 * The conntrack sweeper: a bpf_timer that fires every EB_GC_PERIOD and
 * removes expired entries from eb_ct_tcp and eb_ct_other (and the IPv6
 * eb_ct6_tcp and eb_ct6_other). No daemon: the
 * timer lives in the pinned map eb_gc and goes with it at `ebnet down`.
 * `ebnet up` arms it by running eb_gc_start once (BPF_PROG_TEST_RUN).
 *
 * Why a sweeper: the conntrack maps are plain hash maps (a full map refuses
 * new flows rather than evicting live ones), so expired entries must be
 * taken out or they would hold the map's slots; the datapath already treats
 * them as absent. `ebnet gc` does the same from user space on demand.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "lib/maps.h"
#include "lib/ct.h"

char LICENSE[] SEC("license") = "GPL";

#define EB_GC_PERIOD (5 * EB_NSEC)
#define CLOCK_MONOTONIC 1

struct eb_gc_val {
	struct bpf_timer timer;
};

/* 0 -> the sweeper's timer; armed by ebnet up. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct eb_gc_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eb_gc SEC(".maps");

struct eb_sweep {
	__u64 now;
	__u32 removed;
};

static long eb_sweep_one(void *map, struct eb_ct_key *k, struct eb_ct_entry *v,
			 struct eb_sweep *s)
{
	struct eb_ct_entry *own = v;
	struct eb_config *cfg;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	if (!cfg)
		return 1;
	if (v->kind == EB_CT_SNAT_OUT || v->kind == EB_CT_DNAT_OUT) {
		/* The flow's state lives in its container-side entry. */
		own = bpf_map_lookup_elem(map, &v->peer);
		if (!own) {
			if (eb_ct_orphan(v, s->now)) {
				bpf_map_delete_elem(map, k);
				s->removed++;
			}
			return 0;
		}
	}
	if (eb_ct_expired(own, k->proto, cfg, s->now)) {
		bpf_map_delete_elem(map, k);
		s->removed++;
	}
	return 0;
}

/* The same for an entry of eb_ct6_tcp / eb_ct6_other (its state in the
 * struct eb_ct_entry it holds: the IPv4 rule). */
static long eb_sweep6_one(void *map, struct eb_ct6_key *k, struct eb_ct6_entry *v,
			  struct eb_sweep *s)
{
	struct eb_ct6_entry *own = v;
	struct eb_config *cfg;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	if (!cfg)
		return 1;
	if (v->ct.kind == EB_CT_SNAT_OUT || v->ct.kind == EB_CT_DNAT_OUT) {
		own = bpf_map_lookup_elem(map, &v->peer);
		if (!own) {
			if (eb_ct_orphan(&v->ct, s->now)) {
				bpf_map_delete_elem(map, k);
				s->removed++;
			}
			return 0;
		}
	}
	if (eb_ct_expired(&own->ct, k->proto, cfg, s->now)) {
		bpf_map_delete_elem(map, k);
		s->removed++;
	}
	return 0;
}

static int eb_gc_fire(void *map, __u32 *key, struct eb_gc_val *val)
{
	struct eb_sweep s = { .now = bpf_ktime_get_ns() };

	bpf_for_each_map_elem(&eb_ct_tcp, eb_sweep_one, &s, 0);
	bpf_for_each_map_elem(&eb_ct_other, eb_sweep_one, &s, 0);
	bpf_for_each_map_elem(&eb_ct6_tcp, eb_sweep6_one, &s, 0);
	bpf_for_each_map_elem(&eb_ct6_other, eb_sweep6_one, &s, 0);
	bpf_timer_start(&val->timer, EB_GC_PERIOD, 0);
	return 0;
}

SEC("tc")
int eb_gc_start(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct eb_gc_val *val = bpf_map_lookup_elem(&eb_gc, &zero);

	if (!val)
		return 1;
	/* -EBUSY when armed before: then only (re)start it. */
	bpf_timer_init(&val->timer, &eb_gc, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&val->timer, eb_gc_fire);
	bpf_timer_start(&val->timer, EB_GC_PERIOD, 0);
	return 0;
}
