// SPDX-License-Identifier: GPL-2.0
/*
 * eb_from_uplink: TC ingress of the uplink, the host's way out. Replies to
 * the containers' outbound flows (and ICMP errors about them) are
 * translated back and redirected into the container. Everything else is
 * the host's own traffic or another network's: TC_ACT_UNSPEC lets the next
 * program (tcx) or filter (clsact) and then the host's stack have it.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_packet.h>
#include <bpf/bpf_helpers.h>

#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/counters.h"
#include "lib/nat.h"
#include "lib/dns.h"
#include "lib/icmp.h"
#include "lib/nat6_in.h"
#include "lib/nat46.h"

char LICENSE[] SEC("license") = "GPL";

/* Would this packet go to a container: a reply of a flow, or a new flow
 * to a published port? Changes nothing. ICMP errors and later fragments
 * are not answered (RFC 1122): no. */
static __always_inline bool eb_uplink_ttl_ours(struct __sk_buff *skb, const struct eb_pkt *p,
					       const struct eb_config *cfg)
{
	struct eb_ct_entry *e1;
	struct eb_pub_key pk;
	struct eb_ct_key k;

	if (p->frag == EB_FRAG_LATER || (p->proto == IPPROTO_ICMP && p->icmp_type != ICMP_ECHOREPLY))
		return false;
	return eb_rev_find(p, cfg, bpf_ktime_get_ns(), &e1, &k) || eb_pub_find(p, cfg, &pk);
}

/* An IPv6 packet on the uplink: replies of the containers' IPv6 flows,
 * then new flows to published ports (lib/nat6_in.h), global functions one
 * after the other; a verdict, TC_ACT_UNSPEC (the host's), or a drop. */
static __always_inline int eb_uplink6(struct __sk_buff *skb)
{
	int ret;

	ret = eb_nat6_in(skb);
	if (ret == EB_NAT6_GO)
		ret = eb_dnat6_new(skb);
	if (ret == EB_NAT46_GO) {
		/* To a container without IPv6 (lib/nat46.h). */
		ret = eb_nat46_in(skb);
		if (ret == EB_NAT6_GO)
			ret = eb_nat46_deliver(skb);
	}
	if (ret == EB_NAT6_FULL) {
		/* The map full: flows that are over freed, once. */
		ret = eb_nat6_reclaim(skb);
		if (ret == EB_NAT6_GO)
			ret = eb_dnat6_new(skb);
		if (ret == EB_NAT46_GO)
			ret = eb_nat46_in(skb);
		if (ret == EB_NAT6_GO)
			ret = eb_nat46_deliver(skb);
		if (ret == EB_NAT6_FULL)
			ret = EB_DROP(EB_CNT_DROP_CT_FULL);
	}
	return ret;
}

SEC("tc")
int eb_from_uplink(struct __sk_buff *skb)
{
	struct eb_cursor c = { .pos = (void *)(long)skb->data, .end = (void *)(long)skb->data_end };
	__u32 len = skb->len, zero = 0;
	struct eb_config *cfg;
	struct ethhdr *eth;
	struct iphdr *iph;
	struct eb_pkt p = {};
	int ret, cnt = 0;
	bool to_ctr;

	skb->cb[EB_CB_TARGET] = 0;
	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	if (!cfg)
		return TC_ACT_UNSPEC;
	ret = eb_parse_eth(&c, &eth);
	if (ret == EB_ETH_P_IPV6) {
		ret = eb_uplink6(skb);
		if (ret == TC_ACT_UNSPEC)
			return TC_ACT_UNSPEC; /* counted (nat6_pass) on a network with IPv6 */
		if (ret < 0)
			goto drop;
		return ret;
	}
	if (ret != ETH_P_IP)
		return TC_ACT_UNSPEC;
	if (eb_parse_ipv4(&c, &iph) < 0)
		return TC_ACT_UNSPEC;
	/* Addressed to a container itself: a neighbour that routes the
	 * subnet via this host (forwarding on for Docker or a VPN) would
	 * reach every unpublished port through the host's stack. Replies of
	 * the containers' flows and published ports come to the NAT address;
	 * nothing else from outside may reach a container (Docker 28 closed
	 * the same hole). The gateway's address is the host's own. */
	to_ctr = (iph->daddr & cfg->mask) == cfg->subnet && iph->daddr != cfg->gateway;
	if (eb_parse_l4(skb, iph, c.end, &p) < 0) {
		if (!to_ctr)
			return TC_ACT_UNSPEC;
		ret = EB_DROP(EB_CNT_DROP_UNPUBLISHED);
		goto drop;
	}

	/* The last hop of a packet that would go to a container: "time
	 * exceeded" from the address it was sent to, back out (traceroute
	 * to a published port sees the host). */
	if (iph->ttl <= 1 && eb_uplink_ttl_ours(skb, &p, cfg)) {
		ret = eb_icmp_error(skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0, p.daddr);
		if (ret < 0)
			goto drop;
		skb->cb[EB_CB_DECISION] = EB_CNT_ICMP_SENT;
		skb->cb[EB_CB_TARGET] = skb->ifindex;
		return bpf_redirect(skb->ifindex, 0);
	}
	ret = eb_snat_reverse(skb, &p, cfg, len, &cnt);
	if (ret == TC_ACT_UNSPEC)
		ret = eb_dnat_new(skb, &p, cfg, len, &cnt);
	if (ret == TC_ACT_UNSPEC && to_ctr)
		ret = EB_DROP(EB_CNT_DROP_UNPUBLISHED);
	if (ret == TC_ACT_UNSPEC) {
		skb->cb[EB_CB_DECISION] = EB_CNT_UPLINK_PASS;
		eb_count(EB_CNT_UPLINK_PASS, len);
		return TC_ACT_UNSPEC;
	}
	if (ret < 0)
		goto drop;
	if (ret == TC_ACT_REDIRECT)
		eb_dns_reply_fix(skb, &p, cfg); /* a forwarded query's answer */
	skb->cb[EB_CB_DECISION] = cnt;
	eb_count(cnt, len);
	return ret;

drop:
	return eb_tc_drop(skb, ret, len, p.saddr, p.daddr, p.sport, p.dport, p.proto);
}
