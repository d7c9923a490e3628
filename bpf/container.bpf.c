// SPDX-License-Identifier: GPL-2.0
/*
 * eb_from_container: TC ingress of every host-side veth, i.e. everything a
 * container sends. It replaces the bridge: ARP is answered here, unicast is
 * redirected into the destination container by FDB lookup and
 * bpf_redirect_peer(), broadcast and multicast are copied to the other
 * ports, frames to the gateway's MAC go to the host's stack, and a frame
 * whose source is not the container's own is dropped.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_packet.h>
#include <bpf/bpf_helpers.h>

#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/counters.h"
#include "lib/arp.h"
#include "lib/nat.h"
#include "lib/dns.h"
#include "lib/icmp.h"
#include "lib/ndp.h"
#include "lib/nat6.h"
#include "lib/nat46.h"
#include "lib/flood.h"

char LICENSE[] SEC("license") = "GPL";

/* A container's IPv6 source: its own address on its own port, its EUI-64
 * link-local, or :: (DAD and MLD only, checked with the protocol). */
static __always_inline bool eb_src6_ok(struct __sk_buff *skb, const struct eb_nd_buf *b,
				       const struct eb_endpoint *src)
{
	struct eb_ip6_ep *peer;

	if (eb_in6_zero(&b->saddr))
		return true;
	if (eb_in6_linklocal(&b->saddr))
		return eb_in6_is_eui64(&b->saddr, src->mac);
	peer = bpf_map_lookup_elem(&eb_ip6, &b->saddr);
	return peer && peer->ifindex == skb->ifindex;
}

/* Hop-by-hop options: MLD reports come behind one (router alert), and go
 * nowhere (true); anything else behind it is an extension header like the
 * others (false, *err the drop). */
static __always_inline bool eb_hbh_mld(struct __sk_buff *skb, __u32 plen, int *err)
{
	__u8 hbh[2], icmp_type = 0;

	*err = EB_DROP(EB_CNT_DROP_MALFORMED);
	if (plen < 8 || bpf_skb_load_bytes(skb, EB_ND_OFF_L4, hbh, 2))
		return false;
	*err = EB_DROP(EB_CNT_DROP_IP6_EXTHDR);
	return hbh[0] == EB_NH_ICMPV6 && hbh[1] < 32 && (hbh[1] + 1) * 8 + 1 <= plen &&
	       bpf_skb_load_bytes(skb, EB_ND_OFF_L4 + (hbh[1] & 0x1f) * 8 + 8, &icmp_type, 1) ==
		       0 &&
	       eb_icmp6_is_mld(icmp_type);
}

/* To another container's port by its MAC (eb_fdb_v2): a verdict, decided
 * and counted, or a drop. */
static __always_inline int eb_fdb_redirect(struct __sk_buff *skb, const struct eb_mac_key *mkey,
					   __u32 len)
{
	struct eb_fdb_entry *dst = bpf_map_lookup_elem(&eb_fdb_v2, mkey);

	if (!dst)
		return EB_DROP(EB_CNT_DROP_UNKNOWN_UNICAST);
	if (dst->ifindex == skb->ifindex)
		return EB_DROP(EB_CNT_DROP_HAIRPIN);
	/* The frame came in addressed to another host's MAC, so the stack
	 * marked it PACKET_OTHERHOST; redirect_peer does not run
	 * eth_type_trans again, and kernels before 6.15 do not reset it, so
	 * the container's IP layer would drop it. */
	bpf_skb_change_type(skb, PACKET_HOST);
	skb->cb[EB_CB_TARGET] = dst->ifindex;
	skb->cb[EB_CB_DECISION] = EB_CNT_FWD;
	eb_count(EB_CNT_FWD, len);
	eb_ctr_count(dst->slot, 1, len);
	return bpf_redirect_peer(dst->ifindex, 0);
}

/*
 * An IPv6 frame of a container (its source MAC checked already), on a
 * network with IPv6 (eb_config6); on one without, dropped as before
 * (drop_not_ipv4). Between the containers of the network and with the
 * gateway only: neighbour solicitations answered here (lib/ndp.h), the
 * source checked (the container's address in eb_ip6, its EUI-64
 * link-local, :: for DAD), unicast to a container's MAC forwarded by the
 * FDB, ff02::1 flooded, the gateway's address to the host's stack; the
 * rest dropped with its reason (nothing is routed out yet). Extension
 * headers are dropped, never parsed halfway; MLD (behind hop-by-hop) and
 * router solicitations go nowhere, quietly (ndp_ignored).
 * Returns a verdict, decided and counted (lib/counters.h), a negative drop
 * reason, or EB_NAT6_GO. A function of its own: the IPv4 path does not
 * pay for it, and its stack is not added to that path's.
 */
static __attribute__((noinline)) int eb_from_container6(struct __sk_buff *skb,
							const struct eb_endpoint *src,
							const struct eb_config *cfg)
{
	struct eb_nd_buf *b;
	struct eb_mac_key mkey __attribute__((aligned(4))) = {};
	struct eb_config6 *c6;
	__u32 zero = 0, len = skb->len, plen;
	__u8 nh, icmp_type = 0;

	c6 = bpf_map_lookup_elem(&eb_config6, &zero);
	if (!c6 || !(c6->flags & EB_CFG6_ON))
		return EB_DROP(EB_CNT_DROP_NOT_IPV4);
	b = bpf_map_lookup_elem(&eb_nd_scratch, &zero);
	if (!b)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (bpf_skb_load_bytes(skb, 0, b->dmac, EB_ND_OFF_L4))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if ((bpf_ntohl(b->vtc_flow) >> 28) != 6)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	plen = bpf_ntohs(b->payload_len);
	if (EB_ND_OFF_L4 + plen > len)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	nh = b->nexthdr;

	if (!eb_src6_ok(skb, b, src))
		return EB_DROP(EB_CNT_DROP_SPOOF_IP6);

	if (nh == 0) {
		int err;

		if (!eb_hbh_mld(skb, plen, &err))
			return err;
		goto ignored;
	}
	if (eb_ip6_is_exthdr(nh))
		return EB_DROP(EB_CNT_DROP_IP6_EXTHDR);

	if (nh == EB_NH_ICMPV6) {
		if (plen < 8 || bpf_skb_load_bytes(skb, EB_ND_OFF_L4, &b->type, 8))
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		icmp_type = b->type;
		if (icmp_type == EB_ICMP6_NS)
			return eb_ndp_ns(skb, b, src, c6, plen, len);
		/* A container is no router, and listens to no group that
		 * needs a report: none of these goes anywhere. */
		if (icmp_type == EB_ICMP6_RS || icmp_type == EB_ICMP6_RA ||
		    icmp_type == EB_ICMP6_REDIR || eb_icmp6_is_mld(icmp_type))
			goto ignored;
	}
	if (eb_in6_zero(&b->saddr))
		return EB_DROP(EB_CNT_DROP_SPOOF_IP6); /* :: is for DAD and MLD only */

	if (b->dmac[0] & 1) {
		/* ff02::1 (all nodes) to every other port and the host, as a
		 * bridge would; other groups have no listener we know of. */
		if (b->daddr.w[0] == bpf_htonl(0xff020000) && b->daddr.w[1] == 0 &&
		    b->daddr.w[2] == 0 && b->daddr.w[3] == bpf_htonl(1))
			return eb_flood_copy(skb, cfg, len);
		return EB_DROP(EB_CNT_DROP_IP6_MCAST);
	}
	if (eb_mac_eq16(b->dmac, src->host_mac)) {
		if (eb_in6_eq_raw(&b->daddr, c6->gateway))
			/* ping6 of the gateway, its NAs */
			return eb_tc_decide(skb, EB_CNT_TO_HOST, len, TC_ACT_OK);
		/* Beyond the gateway: out of the uplink (lib/nat6.h). */
		return EB_NAT6_GO;
	}

	/* Another container's MAC: the FDB, as for IPv4. */
	eb_mac_copy16(mkey.mac, b->dmac);
	return eb_fdb_redirect(skb, &mkey, len);

ignored:
	return eb_tc_decide(skb, EB_CNT_NDP_IGNORED, len, TC_ACT_SHOT);
}

/* Is a container's packet a reply of a live flow to one of this network's
 * published ports (a DNAT flow)? Changes nothing. A function of its own,
 * so that its key is not on the deepest path's stack. */
static __attribute__((noinline)) bool eb_pub_reply(const struct eb_pkt *p, const struct eb_config *cfg)
{
	struct eb_ct_entry *e;
	struct eb_ct_key k;

	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return false;
	eb_ct_key_out(&k, p);
	e = bpf_map_lookup_elem(eb_ct_map(p->proto), &k);
	return e && e->kind == EB_CT_DNAT_CTR && !eb_ct_expired(e, p->proto, cfg, bpf_ktime_get_ns());
}

/*
 * An ICMP error from the gateway about a container's routed packet, back
 * into the container: returns TC_ACT_REDIRECT (icmp_sent, counted by
 * eb_icmp_error), or a negative drop reason. None about an ICMP error or
 * a later fragment. A function of its own: its stack is not added to the
 * deepest path's.
 */
static __attribute__((noinline)) int eb_routed_icmp(struct __sk_buff *skb,
						    const struct eb_config *cfg, struct iphdr *iph,
						    __u32 type_code, __u32 rest)
{
	void *end = (void *)(long)skb->data_end;
	__u8 type = type_code >> 8, code = type_code & 0xff;
	struct eb_pkt p;
	int ret;

	ret = eb_parse_l4(skb, iph, end, &p);
	if (ret < 0)
		return ret;
	if (p.frag == EB_FRAG_LATER || (p.proto == IPPROTO_ICMP && eb_icmp_is_error(p.icmp_type)))
		return EB_DROP(type == ICMP_TIME_EXCEEDED ? EB_CNT_DROP_TTL : EB_CNT_DROP_FRAG_NEEDED);
	ret = eb_icmp_error(skb, type, code, rest, cfg->gateway);
	if (ret < 0)
		return ret;
	skb->cb[EB_CB_DECISION] = EB_CNT_ICMP_SENT;
	skb->cb[EB_CB_TARGET] = skb->ifindex;
	return bpf_redirect(skb->ifindex, 0);
}

/*
 * A container's packet for the host's uplink address. The host's own
 * sockets take it as before (a listener, a connection, a bound UDP port).
 * Anything else may be for a port that another network of this host
 * published: that network's programs on the uplink decide, as for a
 * packet from outside, so the frame is handed to the uplink's ingress
 * unchanged (its source stays the container's; the publishing network's
 * replies come back through eb_pub_reply). If no network takes it, the
 * host's stack gets it there, as it would have here. (A port of this
 * network was translated at connect time by the cgroup programs.)
 * Returns a verdict, counted (TC_ACT_OK: to_host; a redirect: to_uplink),
 * or a negative drop reason. A function of its own: its stack is not
 * added to the deepest path's.
 */
static __attribute__((noinline)) int eb_to_host(struct __sk_buff *skb, const struct eb_config *cfg,
					       struct iphdr *iph, void *end, __u32 len)
{
	struct eb_pkt pkt, *p = &pkt;

	if (iph->daddr != cfg->snat_ip || !cfg->uplink_ifindex ||
	    (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP) ||
	    eb_parse_l4(skb, iph, end, p) < 0 || p->frag == EB_FRAG_LATER || eb_host_sock(skb, p))
		return eb_tc_decide(skb, EB_CNT_TO_HOST, len, TC_ACT_OK);
	if (bpf_skb_store_bytes(skb, 0, cfg->uplink_mac, 6, 0))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	skb->cb[EB_CB_DECISION] = EB_CNT_TO_UPLINK;
	skb->cb[EB_CB_TARGET] = cfg->uplink_ifindex;
	eb_count(EB_CNT_TO_UPLINK, skb->len);
	return bpf_redirect(cfg->uplink_ifindex, BPF_F_INGRESS);
}

/*
 * Forwarding is off on the container's port: bpf_fib_lookup() answers only
 * for devices that forward, and a global write of net.ipv4.ip_forward (a
 * VPN client, `sysctl --system`, a network manager) resets every device's
 * setting, the one `ebnet up` gave the port included. Outside traffic must
 * not depend on that: without the FIB, what is neither the host's (its
 * uplink address, loopback, this subnet) nor answered here goes out of the
 * uplink through bpf_redirect_neigh() without parameters, which looks the
 * route and the neighbour up itself and asks for no forwarding. What is
 * lost while forwarding is off: the host's other addresses and routes
 * through other devices are not told apart (they go to the uplink too).
 */
static __always_inline int eb_routed_nofib(struct __sk_buff *skb, const struct eb_config *cfg,
					   struct iphdr *iph, void *end, __u32 len,
					   struct bpf_fib_lookup *fibp, struct eb_pkt *pp)
{
	/* The caller's fib and packet: no second copy on the stack. */
#define fib (*fibp)
#define p (*pp)
	__u32 d = iph->daddr, mtu;
	int ret, cnt = 0;

	if (d == cfg->snat_ip)
		return eb_to_host(skb, cfg, iph, end, len);
	if (!cfg->uplink_ifindex || !cfg->snat_ip || (bpf_ntohl(d) >> 24) == 127 ||
	    (d & cfg->mask) == cfg->subnet)
		return eb_tc_decide(skb, EB_CNT_TO_HOST, len, TC_ACT_OK);
	mtu = bpf_ntohs(iph->tot_len);
	if (!skb->gso_size &&
	    bpf_check_mtu(skb, cfg->uplink_ifindex, &mtu, 0, 0) == BPF_MTU_CHK_RET_FRAG_NEEDED) {
		if (!(iph->frag_off & bpf_htons(EB_IP_DF)))
			return EB_DROP(EB_CNT_DROP_FRAG_NEEDED);
		return eb_routed_icmp(skb, cfg, iph, ICMP_DEST_UNREACH << 8 | ICMP_FRAG_NEEDED,
				      bpf_htonl(mtu & 0xffff));
	}
	if (iph->ttl <= 1)
		return eb_routed_icmp(skb, cfg, iph, ICMP_TIME_EXCEEDED << 8 | ICMP_EXC_TTL,
				      0);
	ret = eb_parse_l4(skb, iph, end, &p);
	if (ret < 0)
		return ret;
	fib.ifindex = cfg->uplink_ifindex;
	ret = eb_snat_forward(skb, &p, cfg, &fib, BPF_FIB_LKUP_RET_FWD_DISABLED, len, &cnt);
	if (ret < 0)
		return ret;
	skb->cb[EB_CB_DECISION] = cnt;
	skb->cb[EB_CB_TARGET] = fib.ifindex;
	eb_count(cnt, len);
	eb_count(EB_CNT_ROUTED_NOFIB, len);
	return ret;
}
#undef fib
#undef p

/*
 * A packet for an address beyond the gateway. The kernel's FIB says where it
 * goes: a local address of the host goes to the host's stack; a
 * destination out of the uplink is source-translated and sent there.
 * Returns a verdict, decided and counted (TC_ACT_OK: to_host, the host's
 * stack has it), or a negative drop reason.
 */
static __always_inline int eb_from_container_routed(struct __sk_buff *skb,
						    const struct eb_config *cfg,
						    struct iphdr *iph, void *end, __u32 len)
{
	struct bpf_fib_lookup fib = {};
	struct eb_ifindex_key pk;
	struct eb_pkt p;
	int rc, ret, cnt = 0;

	fib.family = AF_INET;
	fib.tos = iph->tos;
	fib.l4_protocol = iph->protocol;
	fib.ipv4_src = iph->saddr;
	fib.ipv4_dst = iph->daddr;
	fib.ifindex = skb->ifindex;
	/* The route's MTU (with what the host learnt of the path) checks the
	 * packet's IP length; a GSO packet is checked by the kernel, whose
	 * segments fit the device. */
	fib.tot_len = skb->gso_size ? 0 : bpf_ntohs(iph->tot_len);
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		break;
	case BPF_FIB_LKUP_RET_NOT_FWDED:   /* a local address, or no route */
		return eb_to_host(skb, cfg, iph, end, len);
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		return eb_routed_nofib(skb, cfg, iph, end, len, &fib, &p);
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		/* Too big for its route. With DF the sender learns the MTU
		 * from us, as from any router; without it, we cannot
		 * fragment (the container's MTU, the uplink's by default,
		 * makes that rare). */
		if (!(iph->frag_off & bpf_htons(EB_IP_DF)))
			return EB_DROP(EB_CNT_DROP_FRAG_NEEDED);
		return eb_routed_icmp(skb, cfg, iph, ICMP_DEST_UNREACH << 8 | ICMP_FRAG_NEEDED,
				      bpf_htonl(fib.mtu_result & 0xffff));
	default:
		return EB_DROP(EB_CNT_DROP_NO_ROUTE);
	}
	if (fib.ifindex != cfg->uplink_ifindex || !cfg->uplink_ifindex) {
		/* Another container of this network, by its address: the
		 * host's stack routes it. Anything else is not ours to reach. */
		pk.ifindex = fib.ifindex;
		if (bpf_map_lookup_elem(&eb_ports, &pk))
			return eb_tc_decide(skb, EB_CNT_TO_HOST, len, TC_ACT_OK);
		/* Another network's container may be a client of one of
		 * our published ports (see eb_to_host): the replies of
		 * that flow, and only those, go back to it, translated. */
		ret = eb_parse_l4(skb, iph, end, &p);
		if (ret < 0 || !eb_pub_reply(&p, cfg))
			return EB_DROP(EB_CNT_DROP_ISOLATED);
		goto forward;
	}

	/* A router's hop: the last one answers "time exceeded" from the
	 * gateway (traceroute's first hop); eb_snat_forward decrements. */
	if (iph->ttl <= 1)
		return eb_routed_icmp(skb, cfg, iph, ICMP_TIME_EXCEEDED << 8 | ICMP_EXC_TTL,
				      0);
	ret = eb_parse_l4(skb, iph, end, &p);
	if (ret < 0)
		return ret;
forward:
	ret = eb_snat_forward(skb, &p, cfg, &fib, rc, len, &cnt);
	if (ret < 0)
		return ret;
	skb->cb[EB_CB_DECISION] = cnt;
	skb->cb[EB_CB_TARGET] = fib.ifindex;
	eb_count(cnt, len);
	return ret;
}

/*
 * A container's IPv6 frame: between the containers and with the gateway
 * (eb_from_container6), or routed out (lib/nat6.h) in stages, each a
 * frame of its own beside the program's. Returns a verdict, decided and
 * counted, or a negative drop reason.
 */
static __always_inline int eb_from_container_ip6(struct __sk_buff *skb,
						 const struct eb_endpoint *src,
						 const struct eb_config *cfg)
{
	int ret = eb_from_container6(skb, src, cfg);

	if (ret == EB_NAT6_GO)
		ret = eb_nat6_route(skb);
	if (ret == EB_NAT6_GO)
		ret = eb_nat6_err(skb);
	if (ret == EB_NAT6_GO)
		ret = eb_nat6_flow(skb);
	if (ret == EB_NAT6_GO)
		ret = eb_nat6_claim(skb);
	if (ret == EB_NAT6_FULL) {
		/* The map full: flows that are over freed, once. */
		ret = eb_nat6_reclaim(skb);
		if (ret == EB_NAT6_GO)
			ret = eb_nat6_claim(skb);
		if (ret == EB_NAT6_FULL)
			ret = EB_DROP(EB_CNT_DROP_CT_FULL);
	}
	if (ret == EB_NAT6_GO)
		ret = eb_nat6_send(skb);
	return ret;
}

/*
 * A container's IPv4 packet to the gateway's MAC: the host itself (its
 * DNS port answered or sent on, lib/dns.h; a reply to an IPv6 client of a
 * published port, lib/nat46.h), or routed beyond it. Returns a verdict,
 * decided and counted, or a negative drop reason.
 */
static __always_inline int eb_to_gateway(struct __sk_buff *skb, const struct eb_config *cfg,
					 const struct eb_endpoint *src, __u32 len)
{
	struct iphdr *ip4 = (void *)(long)skb->data + sizeof(struct ethhdr);
	void *end = (void *)(long)skb->data_end;
	int ret;

	/* Bounds again, from skb->data: the parse above ran on another
	 * path, and the verifier does not carry its range here. */
	if ((void *)(ip4 + 1) > end)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (ip4->daddr == cfg->gateway) {
		__u32 dcnt = 0;

		/* Port 53: names answered here, or sent on (bpf/lib/dns.h). */
		ret = eb_dns_from_container(skb, cfg, src, &dcnt);
		if (ret == TC_ACT_REDIRECT) {
			skb->cb[EB_CB_DECISION] = dcnt;
			eb_count(dcnt, len);
			eb_ctr_count(src->flood_slot, 1, skb->len);
			return ret;
		}
		if (ret != EB_DNS_ROUTE) {
			/* A reply to an IPv6 client of a published port
			 * (lib/nat46.h), or the host's. */
			if (ret == EB_DNS_PASS) {
				ret = eb_nat46_out(skb);
				if (ret == TC_ACT_UNSPEC)
					return eb_tc_decide(skb, EB_CNT_TO_HOST, len,
							    TC_ACT_OK);
			}
			return ret; /* a verdict, counted, or a drop */
		}
		/* To the upstream resolver now: routed as any packet. */
		ip4 = (void *)(long)skb->data + sizeof(struct ethhdr);
		end = (void *)(long)skb->data_end;
		if ((void *)(ip4 + 1) > end)
			return EB_DROP(EB_CNT_DROP_MALFORMED);
	}
	return eb_from_container_routed(skb, cfg, ip4, end, len);
}

/*
 * A container's IPv4 frame to another container's MAC: into that
 * container by the FDB (eb_fdb_v2). Returns the redirect, decided and
 * counted (fwd), or a negative drop reason.
 */
static __always_inline int eb_fdb_forward(struct __sk_buff *skb, struct ethhdr *eth, __u32 len)
{
	struct eb_mac_key mkey __attribute__((aligned(4))) = {}; /* see eb_mac_copy */

	eb_mac_copy(mkey.mac, eth->h_dest);
	return eb_fdb_redirect(skb, &mkey, len);
}

SEC("tc")
int eb_from_container(struct __sk_buff *skb)
{
	struct eb_cursor c = { .pos = (void *)(long)skb->data, .end = (void *)(long)skb->data_end };
	struct eb_ifindex_key pkey = { .ifindex = skb->ifindex };
	__u32 len = skb->len, zero = 0;
	struct eb_endpoint *src;
	struct eb_config *cfg;
	struct ethhdr *eth;
	struct iphdr *iph;
	__u32 ev_saddr = 0, ev_daddr = 0;
	__u8 ev_proto = 0;
	int ret, proto;

	skb->cb[EB_CB_TARGET] = 0;
	skb->cb[EB_CB_COPIES] = 0;
	eb_count(EB_CNT_RX, len);

	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	src = bpf_map_lookup_elem(&eb_ports, &pkey);
	if (!cfg || !src) {
		ret = EB_DROP(EB_CNT_DROP_NO_PORT);
		goto drop;
	}

	eb_ctr_count(src->flood_slot, 0, len);
	proto = eb_parse_eth(&c, &eth);
	if (proto < 0) {
		ret = proto;
		goto drop;
	}
	if (!eb_mac_eq(eth->h_source, src->mac)) {
		ret = EB_DROP(EB_CNT_DROP_SPOOF_MAC);
		goto drop;
	}

	if (proto == ETH_P_ARP) {
		ret = eb_arp_answer(skb, &c, eth, src, cfg, len);
		if (ret < 0)
			goto drop;
		return ret; /* a verdict, counted */
	}

	if (proto != ETH_P_IP) {
		/* IPv6 on a network that has it (eb_config6); other
		 * EtherTypes could not be source-checked, so they are not
		 * carried at all. */
		if (proto == EB_ETH_P_IPV6) {
			ret = eb_from_container_ip6(skb, src, cfg);
			if (ret < 0)
				goto drop;
			return ret; /* a verdict, counted */
		}
		ret = EB_DROP(EB_CNT_DROP_NOT_IPV4);
		goto drop;
	}
	ret = eb_parse_ipv4(&c, &iph);
	if (ret < 0)
		goto drop;
	ev_saddr = iph->saddr;
	ev_daddr = iph->daddr;
	ev_proto = iph->protocol;
	if (iph->saddr != src->ip) {
		ret = EB_DROP(EB_CNT_DROP_SPOOF_IP);
		goto drop;
	}

	if (eth->h_dest[0] & 1)
		/* Broadcast or multicast: to every other port, and to the host
		 * as a bridge would. */
		return eb_flood_copy(skb, cfg, len);
	if (eb_mac_eq(eth->h_dest, src->host_mac))
		/* To the gateway's MAC: the host itself, or routed beyond it. */
		ret = eb_to_gateway(skb, cfg, src, len);
	else
		ret = eb_fdb_forward(skb, eth, len);
	if (ret < 0)
		goto drop;
	return ret; /* a verdict, counted */

drop:
	return eb_tc_drop(skb, ret, len, ev_saddr, ev_daddr, 0, 0, ev_proto);
}
