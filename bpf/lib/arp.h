/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ARP answered by the datapath from the endpoint map: the network never
 * floods an ARP request. The gateway address is answered with the MAC of
 * the host-side veth the request came in on; another container's address
 * with that container's MAC. A request for the asker's own address
 * (duplicate-address detection, gratuitous ARP) is never answered.
 */
#ifndef EB_LIB_ARP_H
#define EB_LIB_ARP_H

#include "parse.h"
#include "maps.h"
#include "counters.h"

/* linux/if_arp.h drags in libc's socket headers, which do not build for
 * the BPF target; the few ARP constants are restated here (RFC 826). */
#define ARPHRD_ETHER  1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY   2

struct eb_arphdr {
	__be16 ar_hrd;
	__be16 ar_pro;
	__u8 ar_hln;
	__u8 ar_pln;
	__be16 ar_op;
};

/* Ethernet/IPv4 ARP: header and body. */
struct eb_arp {
	struct eb_arphdr hdr;
	__u8 sha[ETH_ALEN];
	__u8 spa[4];
	__u8 tha[ETH_ALEN];
	__u8 tpa[4];
} __attribute__((packed));

/* The ARP frame of the container of src (len: its length as it came in).
 * Returns a verdict, decided and counted (lib/counters.h): the frame
 * turned into the reply and sent back out of the port it came in on
 * (arp_reply), or to the host's stack (to_host, arp_ignored); or a
 * negative drop reason. */
static __always_inline int eb_arp_answer(struct __sk_buff *skb, struct eb_cursor *c,
					 struct ethhdr *eth, const struct eb_endpoint *src,
					 const struct eb_config *cfg, __u32 len)
{
	struct eb_arp *arp = c->pos;
	struct eb_ip_key key = {};
	const __u8 *answer;
	struct eb_endpoint *ep;
	__u32 spa, tpa, cnt = EB_CNT_ARP_IGNORED;

	if ((void *)(arp + 1) > c->end)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (arp->hdr.ar_hrd != bpf_htons(ARPHRD_ETHER) || arp->hdr.ar_pro != bpf_htons(ETH_P_IP) ||
	    arp->hdr.ar_hln != ETH_ALEN || arp->hdr.ar_pln != 4)
		return EB_DROP(EB_CNT_DROP_MALFORMED);

	__builtin_memcpy(&spa, arp->spa, 4);
	__builtin_memcpy(&tpa, arp->tpa, 4);

	/* The sender fields are the container's claim about itself. */
	if (!eb_mac_eq(arp->sha, src->mac))
		return EB_DROP(EB_CNT_DROP_SPOOF_MAC);
	if (spa != src->ip && spa != 0)
		return EB_DROP(EB_CNT_DROP_SPOOF_IP);

	if (arp->hdr.ar_op == bpf_htons(ARPOP_REPLY)) {
		/* An answer to the host's own request; let the host have it. */
		cnt = EB_CNT_TO_HOST;
		goto host;
	}
	if (arp->hdr.ar_op != bpf_htons(ARPOP_REQUEST))
		return EB_DROP(EB_CNT_DROP_MALFORMED);

	if (tpa == src->ip || spa == 0)
		goto host; /* DAD probe or gratuitous: nobody else has it */
	if (tpa == cfg->gateway) {
		answer = src->host_mac;
	} else {
		key.addr = tpa;
		ep = bpf_map_lookup_elem(&eb_endpoints, &key);
		if (!ep || !(ep->flags & EB_EP_READY))
			goto host;
		answer = ep->mac;
	}

	/* Turn the request into the reply, in place. */
	eb_mac_copy(eth->h_dest, eth->h_source);
	eb_mac_copy(eth->h_source, answer);
	arp->hdr.ar_op = bpf_htons(ARPOP_REPLY);
	eb_mac_copy(arp->tha, arp->sha);
	__builtin_memcpy(arp->tpa, &spa, 4);
	eb_mac_copy(arp->sha, answer);
	__builtin_memcpy(arp->spa, &tpa, 4);
	/* Back out of the port it came in on. */
	skb->cb[EB_CB_TARGET] = skb->ifindex;
	skb->cb[EB_CB_DECISION] = EB_CNT_ARP_REPLY;
	eb_count(EB_CNT_ARP_REPLY, len);
	eb_ctr_count(src->flood_slot, 1, len);
	return bpf_redirect(skb->ifindex, 0);

host:	/* the host's stack has it */
	return eb_tc_decide(skb, cnt, len, TC_ACT_OK);
}

#endif
