/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names, answered where the query arrives: a container's UDP query to the
 * gateway's port 53 is parsed on the container's port, looked up in
 * eb_names (eb_names_rev for PTR), and turned into the answer in place,
 * which goes back out of the port it came in on. No resolver process.
 *
 * Answered here: NAME and NAME.DOMAIN of the network's containers and
 * aliases (A; AAAA and the other types get NOERROR with no answer, as the
 * network has no IPv6), PTR for addresses of the subnet, NXDOMAIN for other
 * single-label names, other names of the domain and unknown addresses of
 * the subnet. Every other query, and every TCP one, goes to the network's
 * current upstream resolver (eb_dns, eb_dns_pick: the first, then the next
 * when a query is asked again unanswered): one on the host itself is handed to
 * its socket (bpf_sk_assign, the packet unchanged); another is reached
 * through the SNAT path with the destination rewritten, and its replies get
 * the gateway's address back (eb_dns_reply_fix, from the uplink).
 *
 * Malformed queries never loop: the question is read byte by byte in one
 * loop bounded by the 255 bytes a name may have, and a compression pointer
 * in it is refused. A response (QR set) or a message shorter than the DNS
 * header is dropped (drop_malformed); any other malformed query is
 * answered FORMERR. Both count as EB_CNT_DNS_MALFORMED.
 *
 * Entry points return a TC verdict, a negative drop reason, or one of two
 * values above every verdict (dns_answer.h):
 *  EB_DNS_PASS  the host's stack has it (counted by the caller as to_host)
 *  EB_DNS_ROUTE the destination is now the upstream: route it (SNAT path)
 */
#ifndef EB_LIB_DNS_H
#define EB_LIB_DNS_H

#include <linux/in.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include "maps.h"
#include "csum.h"
#include "counters.h"
#include "dns_answer.h"

/*
 * Which of the network's resolvers a forwarded query goes to: the
 * container's current one (eb_dns_try's key {container, 0, 0}; the first at
 * the start), except for a UDP query that the container sent before (same
 * DNS id) and got no answer to: the client asks again after its timeout, so
 * that resolver is taken as dead and the next one gets the query, and the
 * container's queries after it. Per container: a container that asks again
 * on purpose moves its own queries only, never its neighbours'. TCP
 * follows the current one (its SYNs are retried in the flow made first).
 */
static __always_inline __u32 eb_dns_pick(struct __sk_buff *skb, const struct eb_dns_cfg *dc,
					  const struct eb_dns_fwd_key *fk, __u8 proto)
{
	struct eb_dns_fwd_key zk = { .ip = fk->ip }, tk = {};
	struct eb_dns_try nt = {}, *t;
	__u32 n = dc->n_up, idx = 0;
	__u64 now;
	__u16 qid;

	if (n > EB_DNS_MAX_UP)
		n = EB_DNS_MAX_UP;
	if (n <= 1)
		return 0;
	t = bpf_map_lookup_elem(&eb_dns_try, &zk);
	if (t && t->idx < n)
		idx = t->idx;
	if (proto != IPPROTO_UDP || eb_trace_mode ||
	    bpf_skb_load_bytes(skb, 14 + 20 + 8, &qid, 2))
		return idx;
	/* Keyed by the container and the id, not the port: dig asks again
	 * from a new port with the same id; glibc from the same socket. */
	tk.ip = fk->ip;
	tk.port = qid;
	tk.proto = IPPROTO_UDP;
	now = bpf_ktime_get_ns();
	t = bpf_map_lookup_elem(&eb_dns_try, &tk);
	if (t && t->qid == qid && t->idx < n) {
		/* Sent again at once (a copy, or a client refused by a dead
		 * resolver on the host): no failover of its own, the current
		 * resolver. */
		if (now - t->ts < EB_DNS_RETRY_NS)
			return idx;
		idx = t->idx + 1;
		if (idx >= n)
			idx = 0;
		nt.idx = idx;
		bpf_map_update_elem(&eb_dns_try, &zk, &nt, BPF_ANY);
		eb_count(EB_CNT_DNS_FAILOVER, skb->len);
	}
	nt.ts = now;
	nt.qid = qid;
	nt.idx = idx;
	bpf_map_update_elem(&eb_dns_try, &tk, &nt, BPF_ANY);
	return idx;
}

/* A resolver on the host with no socket on port 53 is known dead without
 * waiting for a timeout: the next one is the container's current one from
 * now on (the query itself is refused by the host's stack; the client's
 * next try goes there). */
static __always_inline void eb_dns_local_dead(struct __sk_buff *skb, const struct eb_dns_cfg *dc,
					      __u32 ctr_ip, __u32 idx)
{
	struct eb_dns_fwd_key zk = { .ip = ctr_ip };
	struct eb_dns_try nt = {};
	__u32 n = dc->n_up;

	if (n > EB_DNS_MAX_UP)
		n = EB_DNS_MAX_UP;
	if (n <= 1 || eb_trace_mode)
		return;
	nt.idx = idx + 1 >= n ? 0 : idx + 1;
	bpf_map_update_elem(&eb_dns_try, &zk, &nt, BPF_ANY);
	eb_count(EB_CNT_DNS_FAILOVER, skb->len);
}

/* What a query that is not answered here becomes. UDP or TCP, from the
 * container src, to the gateway's port 53. */
static __always_inline int eb_dns_forward(struct __sk_buff *skb, const struct eb_config *cfg,
					  const struct eb_endpoint *src, __u8 proto)
{
	struct eb_dns_fwd_key fk = {};
	struct eb_dns_fwd_val fv = {};
	struct eb_dns_cfg *dc;
	__u32 zero = 0, up, idx;
	__u16 sport;
	__u8 flags = 0;
	bool first = true;

	dc = bpf_map_lookup_elem(&eb_dns, &zero);
	if (!dc || !dc->n_up)
		return EB_DNS_PASS; /* no upstream: the host's stack says no */
	if (bpf_skb_load_bytes(skb, 34, &sport, 2))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (proto == IPPROTO_TCP) {
		if (bpf_skb_load_bytes(skb, 34 + 13, &flags, 1))
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		first = (flags & (EB_TCP_SYN | 0x10)) == EB_TCP_SYN;
	}
	fk.ip = src->ip;
	fk.port = sport;
	fk.proto = proto;
	idx = eb_dns_pick(skb, dc, &fk, proto) & (EB_DNS_MAX_UP - 1);
	up = dc->up[idx];
	fv.up = up;

	if (dc->up_local & (1u << idx)) {
		/* On the host: its socket gets the packet as it is, addressed to
		 * the gateway, and answers from there. Only a TCP SYN needs it
		 * (the connection it makes is the gateway's then). */
		struct bpf_sock_tuple t = {};
		struct bpf_sock *sk;

		if (!first)
			return EB_DNS_PASS;
		t.ipv4.saddr = src->ip;
		t.ipv4.daddr = up;
		t.ipv4.sport = sport;
		t.ipv4.dport = bpf_htons(EB_DNS_PORT);
		if (proto == IPPROTO_TCP)
			sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
		else
			sk = bpf_sk_lookup_udp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
		if (!sk) {
			eb_dns_local_dead(skb, dc, src->ip, idx);
			return EB_DNS_PASS;
		}
		if (!eb_trace_mode)
			bpf_sk_assign(skb, sk, 0);
		bpf_sk_release(sk);
		if (!eb_trace_mode)
			bpf_map_update_elem(&eb_dns_fwd, &fk, &fv, BPF_ANY);
		eb_count(EB_CNT_DNS_FORWARDED, skb->len);
		return EB_DNS_PASS;
	}

	if (eb_rewrite(skb, 14, 34, proto, false, cfg->gateway, up, 0, 0))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (first) {
		if (!eb_trace_mode)
			bpf_map_update_elem(&eb_dns_fwd, &fk, &fv, BPF_ANY);
		eb_count(EB_CNT_DNS_FORWARDED, skb->len);
	}
	return EB_DNS_ROUTE;
}

/*
 * From the uplink, after a reply was translated back toward a container:
 * one from the upstream a query of that container's port went to gets the
 * gateway's address as its source, which the container asked.
 */
static __always_inline void eb_dns_reply_fix(struct __sk_buff *skb, const struct eb_pkt *p,
					     const struct eb_config *cfg)
{
	struct eb_dns_fwd_key fk = {};
	struct eb_dns_fwd_val *fv;

	if (p->sport != bpf_htons(EB_DNS_PORT) || p->frag != EB_FRAG_NONE ||
	    (p->proto != IPPROTO_UDP && p->proto != IPPROTO_TCP))
		return;
	if (bpf_skb_load_bytes(skb, p->l3 + offsetof(struct iphdr, daddr), &fk.ip, 4) ||
	    bpf_skb_load_bytes(skb, p->l4 + 2, &fk.port, 2))
		return;
	fk.proto = p->proto;
	fv = bpf_map_lookup_elem(&eb_dns_fwd, &fk);
	if (!fv || fv->up != p->saddr)
		return;
	eb_rewrite(skb, p->l3, p->l4, p->proto, true, p->saddr, cfg->gateway, 0, 0);
}

/* The container program's hook: a packet to the gateway (daddr checked),
 * on the gateway's MAC. */
static __always_inline int eb_dns_from_container(struct __sk_buff *skb,
						 const struct eb_config *cfg,
						 const struct eb_endpoint *src, __u32 *cnt)
{
	struct iphdr *ip = (void *)(long)skb->data + sizeof(struct ethhdr);
	void *end = (void *)(long)skb->data_end;
	struct udphdr *uh;
	__u8 proto;
	int r;

	struct eb_pkt p;

	if ((void *)(ip + 1) > end || ip->ihl != 5 || (ip->protocol != IPPROTO_UDP &&
						       ip->protocol != IPPROTO_TCP))
		return EB_DNS_PASS;
	if (ip->frag_off & bpf_htons(EB_IP_MF | EB_IP_OFFMASK))
		return EB_DNS_PASS;
	uh = (void *)(ip + 1);
	if ((void *)(uh + 1) > end || uh->dest != bpf_htons(EB_DNS_PORT))
		return EB_DNS_PASS;
	proto = ip->protocol;
	/* Lengths that agree (IPv4 total, UDP, TCP header) before a byte
	 * of it is answered or sent on: the parser the NAT path uses. */
	r = eb_parse_l4(skb, ip, end, &p);
	if (r < 0)
		return r;
	if (proto == IPPROTO_UDP && bpf_ntohs(uh->len) != p.tot_len - sizeof(*ip))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (proto == IPPROTO_UDP) {
		r = eb_dns_answer(skb, cfg, cnt);
		if (r != EB_DNS_ROUTE)
			return r;
	}
	return eb_dns_forward(skb, cfg, src, proto);
}

#endif
