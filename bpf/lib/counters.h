/* SPDX-License-Identifier: GPL-2.0 */
/* Per-CPU packet and byte counters, indexed by enum eb_counter. */
#ifndef EB_LIB_COUNTERS_H
#define EB_LIB_COUNTERS_H

#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
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
	v = bpf_map_lookup_elem(&eb_pub_stats, k);
	if (!v) {
		bpf_map_update_elem(&eb_pub_stats, k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&eb_pub_stats, k);
		if (!v)
			return;
	}
	v->packets++;
	v->bytes += bytes;
}

/* The ring's record for an event, only while a monitor listens (NULL: no
 * event), its ts set (the first field of struct eb_event and struct
 * eb_event6 alike). The caller fills the rest and submits it. */
static __always_inline void *eb_event_reserve(__u32 size)
{
	__u32 zero = 0;
	__u64 *until, now;
	__u64 *ev;

	if (eb_trace_mode)
		return NULL;
	until = bpf_map_lookup_elem(&eb_monitor, &zero);
	if (!until || !*until)
		return NULL;
	now = bpf_ktime_get_ns();
	if (now > *until)
		return NULL;
	ev = bpf_ringbuf_reserve(&eb_events, size, 0);
	if (ev)
		*ev = now;
	return ev;
}

/* An event for `ebnet monitor`, only while one listens. */
static __always_inline void eb_event(__u32 type, __u32 reason, __u32 ifindex, __u32 saddr,
				     __u32 daddr, __u16 sport, __u16 dport, __u8 proto,
				     __u32 xaddr, __u16 xport)
{
	struct eb_event *ev;

	ev = eb_event_reserve(sizeof(*ev));
	if (!ev)
		return;
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

/* An IPv6 event for `ebnet monitor` (struct eb_event6), as eb_event for
 * IPv4: saddr16, daddr16 and xaddr16 point to 16-byte addresses as on the
 * wire (xaddr16 NULL: none), ports in network order. */
static __always_inline void eb_event6(__u32 type, __u32 reason, __u32 ifindex,
				      const void *saddr16, const void *daddr16, __u16 sport,
				      __u16 dport, __u8 proto, const void *xaddr16, __u16 xport)
{
	struct eb_event6 *ev;

	ev = eb_event_reserve(sizeof(*ev));
	if (!ev)
		return;
	ev->type = type | EB_EV_F_IPV6;
	ev->reason = reason;
	ev->ifindex = ifindex;
	ev->sport = sport;
	ev->dport = dport;
	ev->xport = xport;
	ev->proto = proto;
	ev->pad = 0;
	ev->pad2 = 0;
	__builtin_memcpy(ev->saddr, saddr16, 16);
	__builtin_memcpy(ev->daddr, daddr16, 16);
	if (xaddr16)
		__builtin_memcpy(ev->xaddr, xaddr16, 16);
	else
		__builtin_memset(ev->xaddr, 0, 16);
	bpf_ringbuf_submit(ev, 0);
}

/* The drop event of an IPv6 frame of a TC program, from the frame itself
 * (the drop may come from any stage of the IPv6 path, and the frame is
 * what was dropped): its addresses, next header and ports (ICMPv6: the
 * echo identifier both ways); what cannot be read stays 0. Read straight
 * into the ring's record: nothing on the stack. */
static __always_inline void eb_drop_event6(struct __sk_buff *skb, __u32 idx)
{
	struct eb_event6 *ev;

	ev = eb_event_reserve(sizeof(*ev));
	if (!ev)
		return;
	__builtin_memset((__u8 *)ev + 8, 0, sizeof(*ev) - 8); /* all but ts */
	ev->type = EB_EV_DROP | EB_EV_F_IPV6;
	ev->reason = idx;
	ev->ifindex = skb->ifindex;
	/* 14: the Ethernet header; 6: next header; 8: the source, then the
	 * destination; 40: the end of the IPv6 header. */
	if (bpf_skb_load_bytes(skb, 14 + 8, ev->saddr, 32)) {
		__builtin_memset(ev->saddr, 0, 32);
		goto out;
	}
	if (bpf_skb_load_bytes(skb, 14 + 6, &ev->proto, 1))
		ev->proto = 0;
	if (ev->proto == 6 || ev->proto == 17) {
		if (bpf_skb_load_bytes(skb, 14 + 40, &ev->sport, 4))
			ev->sport = ev->dport = 0;
	} else if (ev->proto == 58) {
		/* An echo's identifier (an error has none: its 4 bytes are
		 * the MTU or 0). The type is read into pad: no stack. */
		if (bpf_skb_load_bytes(skb, 14 + 40, &ev->pad, 1) == 0 &&
		    (ev->pad == 128 || ev->pad == 129) &&
		    bpf_skb_load_bytes(skb, 14 + 40 + 4, &ev->sport, 2) == 0)
			ev->dport = ev->sport;
		else
			ev->sport = 0;
		ev->pad = 0;
	} else {
		ev->proto = 0; /* an extension header, or not a protocol of ours */
	}
out:
	bpf_ringbuf_submit(ev, 0);
}

/*
 * The return convention of the TC programs' helpers: a helper returns a
 * TC verdict or a negative EB_DROP() reason (TC_ACT_UNSPEC, -1: not
 * decided here, the caller goes on; the staged IPv6 paths also pass on
 * EB_NAT6_GO and its kin, lib/nat6_pkt.h, from 1000 on, the DNS path
 * EB_DNS_PASS and EB_DNS_ROUTE, lib/dns_answer.h, from 1100 on: above
 * every verdict, below none of them). A helper that decides leaves
 * the decision, an enum eb_counter, in skb->cb[EB_CB_DECISION] (where
 * `ebnet trace` and BPF_PROG_TEST_RUN callers read it; a redirect's port
 * in skb->cb[EB_CB_TARGET]), counts it, and returns the verdict
 * (eb_tc_decide(), in one call); or it gives the counter back
 * through a pointer and its caller does that. A drop is counted at the
 * program's drop exit below, nowhere else.
 */
static __always_inline int eb_tc_decide(struct __sk_buff *skb, __u32 cnt, __u32 len, int verdict)
{
	skb->cb[EB_CB_DECISION] = cnt;
	eb_count(cnt, len);
	return verdict;
}

/*
 * The drop exits, one per program type: every drop of a TC program (the
 * ports', the uplink's) ends in eb_tc_drop(), every drop of the XDP
 * program in eb_xdp_drop(). Each turns the reason into its counter (a
 * reason out of range counts as drop_malformed), counts it, leaves it in
 * skb->cb for BPF_PROG_TEST_RUN callers (TC), records a monitor event
 * (an IPv6 frame's with its IPv6 addresses, eb_drop_event6), and gives
 * the verdict. ret is a negative EB_DROP() code.
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
	/* An IPv6 frame: its own event, read from the frame (the callers
	 * parse IPv4 only). */
	if (skb->protocol == bpf_htons(0x86DD) && !saddr && !daddr)
		eb_drop_event6(skb, idx);
	else
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
