/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An IPv4 packet parsed for conntrack and NAT: struct eb_pkt (where the
 * headers are, the tuple as on the wire) and the L4 parse shared by TC and
 * XDP. The IPv4 header itself is checked by the caller (eb_ip4_hdr).
 */
#ifndef EB_LIB_PKT4_H
#define EB_LIB_PKT4_H

#include <linux/ip.h>
#include <linux/in.h>
#include "csum.h" /* ICMP_* and the L4 headers without libc's linux/icmp.h */
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "counters.h"

#define EB_IP_MF      0x2000
#define EB_IP_OFFMASK 0x1fff

/* A parsed packet: where its headers are and its tuple as on the wire. */
struct eb_pkt {
	__u32 l3;	/* offset of the IPv4 header */
	__u32 l4;	/* offset of the L4 header */
	__u32 saddr, daddr;
	__u16 sport, dport; /* ICMP echo: both the identifier */
	__u8 proto;
	__u8 tcp_flags;	    /* FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10 */
	__u8 icmp_type;
	__u8 frag;	    /* EB_FRAG_* */
	__u16 ip_id;	    /* network order */
	__u16 tot_len;	    /* host order: the IP packet's length, trailer excluded */
	__u32 tcp_num;	    /* TCP, network order: the sequence number of a SYN, else
			     * the ack number (all eb_ct_track needs; the stack is short) */
};

#define EB_FRAG_NONE  0
#define EB_FRAG_FIRST 1 /* offset 0, more to come: has the L4 header */
#define EB_FRAG_LATER 2 /* offset > 0: no L4 header */

#define EB_TCP_FIN 0x01
#define EB_TCP_SYN 0x02
#define EB_TCP_RST 0x04
#define EB_TCP_ACK 0x10

static __always_inline bool eb_icmp_is_error(__u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/* L4 part of the parse, for TC and XDP alike. data/end are the packet's
 * bounds, len its length (the skb's, which may exceed end - data), iph the
 * parsed IPv4 header. Returns 0 or a negative drop reason. */
static __always_inline int eb_parse_l4_at(void *data, __u32 len, struct iphdr *iph, void *end,
					  struct eb_pkt *p)
{
	void *l4 = (void *)iph + iph->ihl * 4;
	__u32 tot, hlen;

	p->l3 = (void *)iph - data;
	p->l4 = l4 - data;
	p->saddr = iph->saddr;
	p->daddr = iph->daddr;
	p->proto = iph->protocol;
	p->tcp_flags = 0;
	p->icmp_type = 0;
	p->ip_id = iph->id;
	p->frag = EB_FRAG_NONE;
	/* The IP length covers the headers and fits in the frame (which may
	 * be longer: Ethernet pads short packets). */
	tot = bpf_ntohs(iph->tot_len);
	hlen = iph->ihl * 4;
	if (tot < hlen || tot > len - p->l3)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	p->tot_len = tot;
	if (iph->frag_off & bpf_htons(EB_IP_OFFMASK)) {
		/* No L4 header here: the caller follows the first fragment. */
		p->frag = EB_FRAG_LATER;
		p->sport = p->dport = 0;
		return 0;
	}
	if (iph->frag_off & bpf_htons(EB_IP_MF))
		p->frag = EB_FRAG_FIRST;
	switch (iph->protocol) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > end)
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		/* A data offset below the header, or past the packet. */
		if (hlen + sizeof(*th) > tot || th->doff < 5 ||
		    (p->frag == EB_FRAG_NONE && hlen + th->doff * 4 > tot))
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		p->sport = th->source;
		p->dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		p->tcp_num = (p->tcp_flags & EB_TCP_SYN) ? th->seq : th->ack_seq;
		return 0;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > end)
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		if (hlen + sizeof(*uh) > tot ||
		    (p->frag == EB_FRAG_NONE &&
		     (bpf_ntohs(uh->len) < sizeof(*uh) || bpf_ntohs(uh->len) > tot - hlen)))
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		p->sport = uh->source;
		p->dport = uh->dest;
		return 0;
	}
	case IPPROTO_ICMP: {
		struct eb_icmphdr *ih = l4;

		if ((void *)(ih + 1) > end || hlen + sizeof(*ih) > tot)
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		p->icmp_type = ih->type;
		p->sport = p->dport = ih->id;
		return 0;
	}
	}
	return EB_DROP(EB_CNT_DROP_PROTO);
}

static __always_inline int eb_parse_l4(struct __sk_buff *skb, struct iphdr *iph, void *end,
				       struct eb_pkt *p)
{
	return eb_parse_l4_at((void *)(long)skb->data, skb->len, iph, end, p);
}

#endif
