/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps of names answered in the datapath (bpf/lib/dns.h), a part of the contract of maps/ebnet_maps.h (which
 * includes it at its end: include ebnet_maps.h, not this file).
 */
#ifndef EBNET_MAPS_DNS_H
#define EBNET_MAPS_DNS_H

/*
 * Names (bpf/lib/dns.h): queries to the gateway's port 53 are answered by
 * the container's port program. Written by `ebnet up`, `rm` and `down`
 * (loader/names.c) with the endpoint records.
 *
 * eb_names: a name in DNS wire form, lowercase, zero-padded ("\2db\0",
 * "\2db\3web\0") -> its address. A container has two (NAME and
 * NAME.DOMAIN), and two more per alias.
 * eb_names_rev: a container's address -> its name for PTR answers
 * (NAME.DOMAIN in wire form).
 */
#define EB_DNS_KEY_LEN	  96 /* longest name answered: NAME.DOMAIN, wire form */
#define EB_DNS_DOMAIN_LEN 64 /* the domain in wire form, final 0 included */
#define EB_DNS_MAX_UP	  4  /* upstream resolvers */

struct eb_name_key {
	__u8 name[EB_DNS_KEY_LEN];
};

struct eb_name_val {
	EB_IPV4(ip);		 /* network order */
	__u32 flags;		 /* EB_NAME_* */
	char owner[EB_NAME_LEN]; /* the container the name belongs to */
};
_Static_assert(sizeof(struct eb_name_val) == 40, "eb_name_val layout");

#define EB_NAME_ALIAS (1U << 0) /* given with --alias */

struct eb_name_rev {
	__u32 len; /* bytes of name in use */
	__u8 name[EB_DNS_KEY_LEN];
};
_Static_assert(sizeof(struct eb_name_rev) == 100, "eb_name_rev layout");

/* eb_dns[0]: the network's names settings. */
struct eb_dns_cfg {
	__u8 domain[EB_DNS_DOMAIN_LEN]; /* wire form, lowercase */
	__u32 domain_len;		/* bytes of domain, final 0 included; 0: not set */
	__u32 ttl;			/* of the answers, seconds */
	__u32 n_up;			/* upstream resolvers in up[] */
	__u32 up_local;			/* bit i: up[i] is an address of the host itself */
	union {
		__u32 up[EB_DNS_MAX_UP]; /* network order; queries go to up[0] */
		__u8 up_bytes[EB_DNS_MAX_UP][4];
	};
};
_Static_assert(sizeof(struct eb_dns_cfg) == 96, "eb_dns_cfg layout");

/* eb_dns_fwd: a forwarded query's (container address, port, protocol) ->
 * the upstream it went to. LRU. Replies from that upstream get the
 * gateway's address as their source, which the container asked. Written by
 * the datapath. */
struct eb_dns_fwd_key {
	EB_IPV4(ip); /* the container, network order */
	__u16 port; /* its source port, network order */
	__u8 proto;
	__u8 pad;
};

struct eb_dns_fwd_val {
	EB_IPV4(up); /* network order */
};

/* eb_dns_try: a UDP query a container sent on, keyed as eb_dns_fwd but
 * with the DNS id in place of the port (dig asks again from a new port,
 * glibc from the same) -> when, and to which resolver (index in
 * eb_dns_cfg.up). The same id from the same container again, EB_DNS_RETRY_NS
 * or more later, is the client asking again because no answer came: it goes to
 * the next resolver, and so do the container's queries after it. The key
 * {container, 0, 0} holds that container's current resolver (idx): per
 * container, so that none can move its neighbours' resolver. LRU; written
 * by the datapath. */
#define EB_DNS_RETRY_NS (200ULL * 1000 * 1000)
struct eb_dns_try {
	__u64 ts;  /* bpf_ktime_get_ns() of its first send to idx */
	__u16 qid; /* the DNS message id, as on the wire */
	__u8 idx;  /* the resolver it went to */
	__u8 pad[5];
};

#endif /* EBNET_MAPS_DNS_H */
