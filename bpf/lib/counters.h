/* SPDX-License-Identifier: GPL-2.0 */
/* Per-CPU packet and byte counters, indexed by enum eb_counter. */
#ifndef EB_LIB_COUNTERS_H
#define EB_LIB_COUNTERS_H

#include <linux/pkt_cls.h>
#include "maps.h"

static __always_inline void eb_count(__u32 idx, __u32 bytes)
{
	struct eb_counter_val *v;

	if (eb_trace_mode)
		return;
	v = bpf_map_lookup_elem(&eb_stats, &idx);

	if (v) {
		v->packets++;
		v->bytes += bytes;
	}
}

/* A container's traffic, by its port's slot (struct eb_endpoint's
 * flood_slot, struct eb_fdb_entry's slot): dir 0 from it, 1 to it. An
 * array index, inlined by the verifier: no hash, no insert. */
static __always_inline void eb_ctr_count(__u32 slot, int dir, __u32 bytes)
{
	struct eb_ctr_counters *v;

	if (eb_trace_mode)
		return;
	v = bpf_map_lookup_elem(&eb_ctr_slots, &slot);
	if (!v)
		return;
	if (dir) {
		v->to_packets++;
		v->to_bytes += bytes;
	} else {
		v->from_packets++;
		v->from_bytes += bytes;
	}
}

/* Traffic to a published port, counted under the key it was published with. */
static __always_inline void eb_port_count(const struct eb_pub_key *k, __u32 bytes)
{
	struct eb_counter_val *v, zero = {};

	if (eb_trace_mode)
		return;
	v = bpf_map_lookup_elem(&eb_port_stats, k);
	if (!v) {
		bpf_map_update_elem(&eb_port_stats, k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&eb_port_stats, k);
		if (!v)
			return;
	}
	v->packets++;
	v->bytes += bytes;
}

/* An event for `ebnet monitor`, only while one listens. */
static __always_inline void eb_event(__u32 type, __u32 reason, __u32 ifindex, __u32 saddr,
				     __u32 daddr, __u16 sport, __u16 dport, __u8 proto,
				     __u32 xaddr, __u16 xport)
{
	__u32 zero = 0;
	__u64 *until, now;
	struct eb_event *ev;

	if (eb_trace_mode)
		return;
	until = bpf_map_lookup_elem(&eb_monitor, &zero);
	if (!until || !*until)
		return;
	now = bpf_ktime_get_ns();
	if (now > *until)
		return;
	ev = bpf_ringbuf_reserve(&eb_events, sizeof(*ev), 0);
	if (!ev)
		return;
	ev->ts = now;
	ev->type = type;
	ev->reason = reason;
	ev->ifindex = ifindex;
	ev->saddr = saddr;
	ev->daddr = daddr;
	ev->xaddr = xaddr;
	ev->sport = sport;
	ev->dport = dport;
	ev->xport = xport;
	ev->proto = proto;
	ev->pad = 0;
	bpf_ringbuf_submit(ev, 0);
}

/*
 * The drop exits, one per program type: every drop of a TC program (the
 * ports', the uplink's) ends in eb_tc_drop(), every drop of the XDP
 * program in eb_xdp_drop(). Each turns the reason into its counter (a
 * reason out of range counts as drop_malformed), counts it, leaves it in
 * skb->cb for BPF_PROG_TEST_RUN callers (TC), records a monitor event,
 * and gives the verdict. ret is a negative EB_DROP() code.
 */
static __always_inline __u32 eb_drop_index(int ret)
{
	__u32 idx = EB_DROP_TO_COUNTER(ret);

	return idx < EB_CNT_MAX ? idx : EB_CNT_DROP_MALFORMED;
}

static __always_inline int eb_tc_drop(struct __sk_buff *skb, int ret, __u32 len, __u32 saddr,
				      __u32 daddr, __u16 sport, __u16 dport, __u8 proto)
{
	__u32 idx = eb_drop_index(ret);

	skb->cb[EB_CB_DECISION] = idx;
	eb_count(idx, len);
	eb_event(EB_EV_DROP, idx, skb->ifindex, saddr, daddr, sport, dport, proto, 0, 0);
	return TC_ACT_SHOT;
}

static __always_inline int eb_xdp_drop(struct xdp_md *ctx, int ret, __u32 len, __u32 saddr,
				       __u32 daddr, __u16 sport, __u16 dport, __u8 proto)
{
	__u32 idx = eb_drop_index(ret);

	eb_count(idx, len);
	eb_event(EB_EV_DROP, idx, ctx->ingress_ifindex, saddr, daddr, sport, dport, proto, 0, 0);
	return XDP_DROP;
}

#endif
