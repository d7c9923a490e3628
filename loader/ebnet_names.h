/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of a network's containers, answered by the datapath
 * (bpf/lib/dns.h): the maps eb_names, eb_names_rev and eb_dns, kept by the
 * same writes that make and remove containers, and each container's
 * resolv.conf at /etc/netns/NAME/resolv.conf (iproute2's convention;
 * $EBNET_NETNS_ETC instead of /etc/netns). Functions return 0 or a
 * negative errno, the cause in struct eb_err.
 */
#ifndef EBNET_NAMES_H
#define EBNET_NAMES_H

#include <stdint.h>
#include <stddef.h>
#include "util.h"
#include "ebnet_maps.h"

struct eb_alias {
	const char *ctr;  /* the container */
	const char *name; /* one more name of it */
};

/* What `ebnet up` says about names; all optional. */
struct eb_names_opts {
	const char *domain;	/* NULL: the network's name */
	const uint32_t *dns;	/* upstream resolvers, network order; NULL: */
	int ndns;		/* those of /etc/resolv.conf ($EBNET_RESOLV_CONF) */
	const struct eb_alias *aliases;
	int naliases;
};

#define EB_DNS_TTL 10 /* seconds: containers come and go */

/* The options alone, before anything is changed. */
int eb_names_check(const char *net, const struct eb_names_opts *o, struct eb_err *e);
/* eb_dns of the network: made when it has none (a new network, or one of
 * an earlier build), the resolvers replaced when o->dns is given. */
int eb_names_setup(const char *net, const struct eb_names_opts *o, struct eb_err *e);
/* A container's names (NAME, NAME.DOMAIN, its PTR, its aliases' address)
 * and its resolv.conf. */
int eb_names_put(const char *net, const struct eb_endpoint *ep, uint32_t gateway,
		 struct eb_err *e);
/* Every ready container's names (after an upgrade, the maps are new), then
 * the aliases of o. */
int eb_names_sync(const char *net, const struct eb_endpoint *eps, int n, uint32_t gateway,
		  const struct eb_names_opts *o, struct eb_err *e);
/* More names of a container (aliases), owned by it: they follow it to a
 * new address and go with it. A name that is not a DNS name or that
 * another container has is left out, appended to skipped ("name (why)");
 * only a map that cannot be written is an error. */
int eb_names_add_aliases(const char *net, const struct eb_endpoint *ep,
			 const char *const *names, int n, char *skipped, size_t len,
			 struct eb_err *e);
/* A removed container's names and PTR go. */
void eb_names_forget(const char *net, const struct eb_endpoint *ep);
/* Its resolv.conf (and the folder, when empty) goes. */
void eb_names_resolv_remove(const char *ctr);
/* Where a container's resolv.conf is. */
void eb_names_resolv_path(const char *ctr, char *buf, size_t len);

/* `ebnet trace --dns-query`: a query message for name (type qtype) into
 * buf; its length, or 0 if the name does not fit. */
size_t eb_dns_query_build(uint8_t *buf, size_t max, const char *name, uint16_t qtype);
/* An answer message in words: "NXDOMAIN", "NOERROR db.web. A 10.77.0.5". */
void eb_dns_describe(const uint8_t *msg, size_t len, char *out, size_t outlen);
/* "A", "AAAA", "PTR", "MX", "TXT" or a number; 0 if unknown. */
uint16_t eb_dns_type_parse(const char *s);

#endif
