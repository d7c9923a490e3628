/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A container's query to the gateway answered in place (see dns.h): the
 * DNS constants, the per-CPU scratch, the question read byte by byte, the
 * lookup in eb_names / eb_names_rev, the answer written over the query and
 * sent back out of the port it came in on.
 */
#ifndef EB_LIB_DNS_ANSWER_H
#define EB_LIB_DNS_ANSWER_H

#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include "maps.h"
#include "csum.h"
#include "counters.h"

#define EB_DNS_PORT	 53
#define EB_DNS_BUF	 512 /* the DNS message as read: a query never needs more */
#define EB_DNS_MASK	 (EB_DNS_BUF - 1)
#define EB_DNS_HDR_LEN	 12
#define EB_DNS_NAME_MAX	 255 /* RFC 1035 2.3.4, the final 0 included */
#define EB_DNS_NAME_BUF	 256
#define EB_DNS_L2L3L4	 42 /* Ethernet + IPv4 without options + UDP */

#define EB_DNS_T_A    1
#define EB_DNS_T_PTR  12
#define EB_DNS_C_IN   1

#define EB_DNS_RC_FORMERR  1
#define EB_DNS_RC_NXDOMAIN 3

/* What the DNS path returns besides a verdict or a drop (dns.h): above
 * every TC verdict, as EB_NAT6_GO and its kin (lib/nat6_pkt.h, 1000 on),
 * so that neither is ever taken for one. */
#define EB_DNS_PASS  1100 /* the host's stack has it */
#define EB_DNS_ROUTE 1101 /* the destination is now the upstream: route it */
_Static_assert(EB_DNS_PASS > TC_ACT_VALUE_MAX && EB_DNS_ROUTE > TC_ACT_VALUE_MAX,
	       "EB_DNS_PASS and EB_DNS_ROUTE must not be TC verdicts");

/* Per CPU, off the 512-byte stack: the message, the name, the headers. */
struct eb_dns_scratch {
	__u8 buf[EB_DNS_BUF + 8];      /* the DNS message; + room for padding to 4 */
	__u8 name[EB_DNS_NAME_BUF];    /* the question's name, lowercase; its first
					* EB_DNS_KEY_LEN bytes are the eb_names key */
	__u8 hdr[EB_DNS_L2L3L4 + 2];   /* the answer's Ethernet, IPv4, UDP headers */
	__u8 pseudo[12];	       /* the UDP pseudo header */
	__u32 zero;		       /* always 0; see the name loop */
	__u32 klen;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct eb_dns_scratch);
} eb_dns_scratch SEC(".maps");

static __always_inline __u16 eb_dns_fold(__s64 sum)
{
	__u64 s = (__u64)sum;

	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* "\7in-addr\4arpa\0": the end of a reverse name. */
static __always_inline bool eb_dns_is_arpa(const __u8 *n, __u32 off)
{
	static const char arpa[14] = "\7in-addr\4arpa";

	for (int i = 0; i < 14; i++)
		if (n[(off + i) & (EB_DNS_NAME_BUF - 1)] != (__u8)arpa[i])
			return false;
	return true;
}

/* The address a reverse name names ("4.0.77.10.in-addr.arpa" is
 * 10.77.0.4, network order), or 0 if a label is not a number 0-255. */
static __always_inline __u32 eb_dns_arpa_addr(struct eb_dns_scratch *s)
{
	__u32 ip = 0, off = 0;

	for (int k = 0; k < 4; k++) {
		__u32 len, v = 0;

		off &= EB_DNS_NAME_BUF - 1;
		len = s->name[off];
		if (len < 1 || len > 3)
			return 0;
		for (int d = 0; d < 3; d++) {
			__u8 c;

			if (d >= len)
				break;
			c = s->name[(off + 1 + d) & (EB_DNS_NAME_BUF - 1)];
			if (c < '0' || c > '9')
				return 0;
			v = v * 10 + (c - '0');
		}
		if (v > 255)
			return 0;
		/* The first label is the last byte of the address. */
		ip |= v << (8 * k);
		off += len + 1;
	}
	return bpf_htonl(ip);
}

/* Does the name (nl bytes, final 0 included) end in the domain, at a label
 * boundary? The apex itself counts. */
static __always_inline bool eb_dns_in_domain(const struct eb_dns_scratch *s, __u32 nl,
					     const struct eb_dns_cfg *dc)
{
	__u32 dl = dc->domain_len, off = 0, at;

	if (!dl || dl > EB_DNS_DOMAIN_LEN || dl > nl)
		return false;
	at = nl - dl;
	for (int j = 0; j < EB_DNS_NAME_MAX / 2; j++) {
		if (off >= at)
			break;
		off += s->name[off & (EB_DNS_NAME_BUF - 1)] + 1;
	}
	if (off != at)
		return false;
	for (int j = 0; j < EB_DNS_DOMAIN_LEN; j++) {
		if (j >= dl)
			break;
		if (s->name[(at + j) & (EB_DNS_NAME_BUF - 1)] != dc->domain[j])
			return false;
	}
	return true;
}

static __always_inline void eb_dns_put16(__u8 *b, __u32 off, __u16 v)
{
	b[off & EB_DNS_MASK] = v >> 8;
	b[(off + 1) & EB_DNS_MASK] = v & 0xff;
}

/*
 * Turns the packet into the answer: the message in s->buf (len bytes),
 * new headers around it, the checksums computed anew over all of it, and
 * back out of the port. The answer's UDP checksum is complete whatever the
 * query's was (a container's packets may carry a partial one).
 */
static __always_inline int eb_dns_send(struct __sk_buff *skb, struct eb_dns_scratch *s,
				       __u32 len)
{
	__u32 ulen, padded;
	__u16 c16;
	__u8 t[6];
	__s64 sum;

	if (len < EB_DNS_HDR_LEN || len > EB_DNS_BUF - 4)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	/* Zeros up to a multiple of 4 for bpf_csum_diff(). */
	for (int i = 0; i < 4; i++)
		s->buf[(len + i) & EB_DNS_MASK] = 0;
	padded = (len + 3) & ~3U;
	if (padded > EB_DNS_BUF)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	ulen = len + sizeof(struct udphdr);

	/* Ethernet: back to the sender, from the gateway's MAC it used. */
	__builtin_memcpy(t, s->hdr, 6);
	__builtin_memcpy(s->hdr, s->hdr + 6, 6);
	__builtin_memcpy(s->hdr + 6, t, 6);
	/* IPv4: from the gateway to the container, options never kept. */
	{
		__u8 *ip = s->hdr + 14;
		__u32 a;

		ip[0] = 0x45;
		ip[1] = 0;
		eb_dns_put16(ip, 2, 20 + ulen);
		ip[6] = 0x40; /* DF */
		ip[7] = 0;
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		ip[10] = ip[11] = 0;
		__builtin_memcpy(&a, ip + 12, 4);
		__builtin_memcpy(ip + 12, ip + 16, 4);
		__builtin_memcpy(ip + 16, &a, 4);
		c16 = eb_dns_fold(bpf_csum_diff(NULL, 0, (__be32 *)ip, 20, 0));
		__builtin_memcpy(ip + 10, &c16, 2);
		/* The pseudo header, for the UDP checksum. */
		__builtin_memcpy(s->pseudo, ip + 12, 8);
		s->pseudo[8] = 0;
		s->pseudo[9] = IPPROTO_UDP;
		eb_dns_put16(s->pseudo, 10, ulen);
	}
	/* UDP: the ports swapped. */
	{
		__u8 *u = s->hdr + 34;

		__builtin_memcpy(t, u, 2);
		__builtin_memcpy(u, u + 2, 2);
		__builtin_memcpy(u + 2, t, 2);
		eb_dns_put16(u, 4, ulen);
		u[6] = u[7] = 0;
		sum = bpf_csum_diff(NULL, 0, (__be32 *)s->pseudo, 12, 0);
		sum = bpf_csum_diff(NULL, 0, (__be32 *)u, 8, sum);
		sum = bpf_csum_diff(NULL, 0, (__be32 *)s->buf, padded, sum);
		c16 = eb_dns_fold(sum);
		if (!c16)
			c16 = 0xffff; /* 0 would say "no checksum" */
		__builtin_memcpy(u + 6, &c16, 2);
	}
	if (bpf_skb_change_tail(skb, EB_DNS_L2L3L4 + len, 0))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (bpf_skb_store_bytes(skb, 0, s->hdr, EB_DNS_L2L3L4, 0))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (bpf_skb_store_bytes(skb, EB_DNS_L2L3L4, s->buf, len, 0))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	skb->cb[EB_CB_TARGET] = skb->ifindex;
	/* Egress of the port the query came in on: a veth's transmit is its
	 * peer's receive, the container's eth0 (as ARP replies go). */
	return bpf_redirect(skb->ifindex, 0);
}

/* A header-only answer with this RCODE (FORMERR): nothing of the question
 * is echoed, as it may be what is malformed. */
static __always_inline int eb_dns_send_rcode(struct __sk_buff *skb, struct eb_dns_scratch *s,
					     __u8 rcode)
{
	s->buf[2] = 0x80 | (s->buf[2] & 0x79); /* QR, opcode and RD kept */
	s->buf[3] = 0x80 | rcode;	       /* RA */
	for (int i = 4; i < EB_DNS_HDR_LEN; i++)
		s->buf[i] = 0;
	return eb_dns_send(skb, s, EB_DNS_HDR_LEN);
}

/* Reads the query into s: the DNS message (at most EB_DNS_BUF bytes) into
 * s->buf, the Ethernet, IPv4 and UDP headers into s->hdr. Returns the
 * message's length, or -1 for a datagram that cannot hold a DNS header. */
static __always_inline int eb_dns_load(struct __sk_buff *skb, struct eb_dns_scratch *s)
{
	__u16 ulen_be;
	__u32 plen;

	if (bpf_skb_load_bytes(skb, 34 + 4, &ulen_be, 2))
		return -1;
	plen = bpf_ntohs(ulen_be);
	if (plen < sizeof(struct udphdr) + EB_DNS_HDR_LEN || 34 + plen > skb->len)
		return -1;
	plen -= sizeof(struct udphdr);
	if (plen > EB_DNS_BUF)
		plen = EB_DNS_BUF; /* a question ends within it, or is too long */
	if (bpf_skb_load_bytes(skb, EB_DNS_L2L3L4, s->buf, plen))
		return -1;
	if (bpf_skb_load_bytes(skb, 0, s->hdr, EB_DNS_L2L3L4))
		return -1;
	return plen;
}

/*
 * The question's name, byte by byte: lengths and lowercase letters into
 * s->name, its length (the final 0 excluded) into s->klen, its label count
 * into *nlabp. Returns 0, or -1 for a name to answer FORMERR (truncated,
 * a compression pointer, longer than a name may be).
 * One loop of at most 255 steps; i is where in the name it is. The
 * verifier walks every step: what it need not tell apart (the label count,
 * bytes left in a label) starts as a value it cannot know (s->zero), so the
 * paths of one step meet again at the next.
 */
static __always_inline int eb_dns_read_name(struct eb_dns_scratch *s, __u32 plen, __u32 *nlabp)
{
	__u32 nlab, left, i;

	__builtin_memset(s->name, 0, EB_DNS_KEY_LEN);
	nlab = *(volatile __u32 *)&s->zero;
	left = *(volatile __u32 *)&s->zero;
	for (i = 0; i < EB_DNS_NAME_MAX; i++) {
		__u8 c;

		if (EB_DNS_HDR_LEN + i >= plen)
			return -1; /* truncated */
		c = s->buf[(EB_DNS_HDR_LEN + i) & EB_DNS_MASK];
		if (!left) {
			if (!c)
				break;
			if (c > 63)
				return -1; /* a pointer (or a reserved type) in a question */
			left = c;
			nlab++;
		} else {
			left--;
			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
		}
		s->name[i & (EB_DNS_NAME_BUF - 1)] = c;
	}
	if (i == EB_DNS_NAME_MAX)
		return -1; /* longer than a name may be */
	*nlabp = nlab;
	/* Through memory, so that the verifier goes on from the caller once,
	 * not once for each length the loop may have ended at. */
	s->klen = i;
	return 0;
}

/* What the name is: a record of the network's, or not. */
struct eb_dns_found {
	struct eb_name_val *nv; /* an A record (eb_names) */
	struct eb_name_rev *rv; /* a PTR record (eb_names_rev) */
	bool ptr;		/* the name is an address of the subnet's */
};

/* Looks the name (nl bytes with its final 0, nlab labels) up: an address
 * of the subnet in in-addr.arpa in eb_names_rev, any other name in
 * eb_names. Returns the rcode (0, or NXDOMAIN for a name of the network's
 * without a record), or -1 for a name that is upstream's. */
static __always_inline int eb_dns_lookup(struct eb_dns_scratch *s, __u32 nl, __u32 nlab,
					 const struct eb_config *cfg, const struct eb_dns_cfg *dc,
					 struct eb_dns_found *f)
{
	if (nlab == 6 && nl > 14 && eb_dns_is_arpa(s->name, nl - 14)) {
		struct eb_ip_key k = {};
		__u32 ip;

		ip = eb_dns_arpa_addr(s);
		if (!ip || (ip & cfg->mask) != cfg->subnet)
			return -1; /* another subnet's: upstream's */
		k.addr = ip;
		f->rv = bpf_map_lookup_elem(&eb_names_rev, &k);
		f->ptr = true;
		return f->rv ? 0 : EB_DNS_RC_NXDOMAIN;
	}
	if (nl <= EB_DNS_KEY_LEN)
		f->nv = bpf_map_lookup_elem(&eb_names, s->name);
	if (f->nv)
		return 0;
	if (nlab != 1 && !eb_dns_in_domain(s, nl, dc))
		return -1;
	return EB_DNS_RC_NXDOMAIN;
}

/* The answer's record at o, after the question: its name (a pointer to
 * the question's), type, class IN, TTL, then the PTR's name or the A's
 * address. Returns where the message ends. */
static __always_inline __u32 eb_dns_put_record(struct eb_dns_scratch *s, __u32 o, __u16 qtype,
					       __u32 ttl, const struct eb_dns_found *f)
{
	s->buf[7] = 1;
	eb_dns_put16(s->buf, o, 0xc000 | EB_DNS_HDR_LEN); /* the question's name */
	eb_dns_put16(s->buf, o + 2, qtype);
	eb_dns_put16(s->buf, o + 4, EB_DNS_C_IN);
	eb_dns_put16(s->buf, o + 6, ttl >> 16);
	eb_dns_put16(s->buf, o + 8, ttl & 0xffff);
	o += 10;
	if (f->ptr && f->rv) {
		__u32 rl = f->rv->len;

		if (rl > EB_DNS_KEY_LEN)
			rl = EB_DNS_KEY_LEN;
		eb_dns_put16(s->buf, o, rl);
		o += 2;
		for (int j = 0; j < EB_DNS_KEY_LEN; j++) {
			if (j >= rl)
				break;
			s->buf[(o + j) & EB_DNS_MASK] = f->rv->name[j];
		}
		o += rl;
	} else if (f->nv) {
		const __u8 *a = (const __u8 *)&f->nv->ip; /* network order */

		eb_dns_put16(s->buf, o, 4);
		for (int j = 0; j < 4; j++)
			s->buf[(o + 2 + j) & EB_DNS_MASK] = a[j];
		o += 6;
	}
	return o;
}

/*
 * A UDP query to the gateway's port 53, IPv4 header without options.
 * Answers it (TC_ACT_REDIRECT, *cnt = the counter), or returns
 * EB_DNS_ROUTE/EB_DNS_PASS for eb_dns_forward, or a drop reason.
 */
static __always_inline int eb_dns_answer(struct __sk_buff *skb, const struct eb_config *cfg,
					 __u32 *cnt)
{
	struct eb_dns_found f = {};
	struct eb_dns_scratch *s;
	struct eb_dns_cfg *dc;
	__u32 zero = 0, pos, nlab = 0, klen, nl, qend;
	__u16 qtype, qclass, qd, an, ns;
	__u8 f1;
	int plen, rcode;

	s = bpf_map_lookup_elem(&eb_dns_scratch, &zero);
	dc = bpf_map_lookup_elem(&eb_dns, &zero);
	if (!s || !dc)
		return EB_DNS_PASS;
	plen = eb_dns_load(skb, s);
	if (plen < 0)
		goto drop;

	f1 = s->buf[2];
	if (f1 & 0x80)
		goto drop; /* a response: never answered */
	if (f1 & 0x78)
		return EB_DNS_ROUTE; /* not a QUERY (NOTIFY, UPDATE...): upstream's */
	qd = s->buf[4] << 8 | s->buf[5];
	an = s->buf[6] << 8 | s->buf[7];
	ns = s->buf[8] << 8 | s->buf[9];
	if (qd != 1 || an || ns)
		goto formerr;

	if (eb_dns_read_name(s, plen, &nlab))
		goto formerr;
	klen = *(volatile __u32 *)&s->klen;
	if (klen >= EB_DNS_NAME_MAX)
		goto formerr;
	nl = klen + 1;
	pos = EB_DNS_HDR_LEN + nl;
	if (pos + 4 > plen)
		goto formerr;
	qtype = s->buf[pos & EB_DNS_MASK] << 8 | s->buf[(pos + 1) & EB_DNS_MASK];
	qclass = s->buf[(pos + 2) & EB_DNS_MASK] << 8 | s->buf[(pos + 3) & EB_DNS_MASK];
	qend = pos + 4;
	if (qclass != EB_DNS_C_IN || !nlab)
		return EB_DNS_ROUTE;
	rcode = eb_dns_lookup(s, nl, nlab, cfg, dc, &f);
	if (rcode < 0)
		return EB_DNS_ROUTE;

	/* The answer: the header, the question as asked, then the record.
	 * An OPT record (EDNS) of the query is not kept: ARCOUNT 0. */
	s->buf[2] = 0x80 | 0x04 | (f1 & 0x01); /* QR, AA, RD as asked */
	s->buf[3] = 0x80 | rcode;	       /* RA: the rest is forwarded */
	s->buf[6] = 0;
	s->buf[7] = 0;
	s->buf[10] = 0;
	s->buf[11] = 0;
	if (!rcode && ((f.ptr && qtype == EB_DNS_T_PTR) || (!f.ptr && qtype == EB_DNS_T_A)))
		qend = eb_dns_put_record(s, qend, qtype, dc->ttl, &f);
	/* Else NXDOMAIN, or the name has no record of this type (AAAA: the
	 * network has no IPv6): NOERROR and no answer, as a resolver does. */
	*cnt = rcode ? EB_CNT_DNS_NXDOMAIN : EB_CNT_DNS_ANSWERED;
	if (rcode)
		eb_count(EB_CNT_DNS_ANSWERED, skb->len);
	return eb_dns_send(skb, s, qend);

formerr:
	*cnt = EB_CNT_DNS_MALFORMED;
	return eb_dns_send_rcode(skb, s, EB_DNS_RC_FORMERR);
drop:
	/* Dropped as any malformed packet is, and counted as DNS too. */
	eb_count(EB_CNT_DNS_MALFORMED, skb->len);
	return EB_DROP(EB_CNT_DROP_MALFORMED);
}

#endif
