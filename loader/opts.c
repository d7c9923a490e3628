// SPDX-License-Identifier: GPL-2.0
/*
 * The settings of a network (struct eb_up_opts) from their names and text
 * values: `ebnet up --KEY VALUE` and the CNI conflist's "KEY": "VALUE" go
 * through the same parser, so both accept and refuse the same things.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "ebnet.h"

const char *const eb_up_opt_names[] = { "subnet",	"uplink",	 "attach",
					"xdp",		"snat-ip",	 "nat-ports",
					"ct-tcp-size", "ct-other-size", "domain",
					"dns",		"mtu",		 "ipv6",
					"subnet6",	NULL };
/* (The Docker driver refuses ipv6 and subnet6: Docker's IPAM gives the
 * addresses there.) */

static int ct_size(const char *key, const char *val, unsigned int *out, char *why, size_t wl)
{
	unsigned long v;

	if (eb_parse_uint(val, EB_CT_SIZE_MIN, EB_CT_SIZE_MAX, &v)) {
		snprintf(why, wl, "invalid %s '%s': want %u to %u entries", key, val,
			 EB_CT_SIZE_MIN, EB_CT_SIZE_MAX);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int eb_up_opt_set(struct eb_up_opts *o, const char *name, const char *val, char *why, size_t wl)
{
	/* Messages name the setting as the caller did: "--xdp" or "xdp". */
	const char *key = !strncmp(name, "--", 2)	     ? name + 2
			  : !strcmp(name, "upstream-dns") ? "dns" /* the conflist's name */
							   : name;

	if (!strcmp(key, "subnet")) {
		if (eb_parse_cidr(val, &o->subnet, &o->plen))
			goto bad_subnet;
	} else if (!strcmp(key, "subnet6")) {
		if (eb_parse_cidr6(val, o->subnet6, &o->plen6)) {
			snprintf(why, wl,
				 "invalid %s '%s': want an IPv6 prefix /48 to /120 with no host bits "
				 "set (like fd00:77::/64)",
				 name, val);
			return -EINVAL;
		}
		o->ipv6 = true;
	} else if (!strcmp(key, "ipv6")) {
		if (strcmp(val, "true") && strcmp(val, "on") && strcmp(val, "1")) {
			snprintf(why, wl, "invalid %s '%s': want true", name, val);
			return -EINVAL;
		}
		o->ipv6 = true;
	} else if (!strcmp(key, "snat-ip6")) {
		static const uint8_t any[16];

		if (inet_pton(AF_INET6, val, o->snat_ip6) != 1 || !memcmp(o->snat_ip6, any, 16)) {
			snprintf(why, wl, "invalid %s '%s': want an IPv6 address", name, val);
			return -EINVAL;
		}
		o->ipv6 = true;
	} else if (!strcmp(key, "nat6")) {
		if (!strcmp(val, "on"))
			o->nat6 = EB_NAT6_ON;
		else if (!strcmp(val, "off"))
			o->nat6 = EB_NAT6_OFF;
		else {
			snprintf(why, wl, "invalid %s '%s': want on or off", name, val);
			return -EINVAL;
		}
		o->ipv6 = true;
	} else if (!strcmp(key, "uplink")) {
		if (!*val || strlen(val) >= 16) {
			snprintf(why, wl, "invalid %s '%s': want a device name", name, val);
			return -EINVAL;
		}
		o->uplink = val;
	} else if (!strcmp(key, "attach")) {
		if (!strcmp(val, "auto"))
			o->attach = EB_ATTACH_AUTO;
		else if (!strcmp(val, "tcx"))
			o->attach = EB_ATTACH_TCX;
		else if (!strcmp(val, "clsact"))
			o->attach = EB_ATTACH_CLSACT;
		else {
			snprintf(why, wl, "invalid %s '%s': want auto, tcx or clsact", name, val);
			return -EINVAL;
		}
	} else if (!strcmp(key, "xdp")) {
		if (!strcmp(val, "auto"))
			o->xdp = EB_XDP_AUTO;
		else if (!strcmp(val, "native"))
			o->xdp = EB_XDP_NATIVE;
		else if (!strcmp(val, "off"))
			o->xdp = EB_XDP_OFF;
		else {
			snprintf(why, wl, "invalid %s '%s': want auto, native or off", name, val);
			return -EINVAL;
		}
	} else if (!strcmp(key, "snat-ip")) {
		if (eb_parse_ipv4(val, &o->snat_ip)) {
			snprintf(why, wl, "invalid %s '%s': want an IPv4 address", name, val);
			return -EINVAL;
		}
	} else if (!strcmp(key, "nat-ports")) {
		char buf[32], *dash;
		unsigned long lo, hi;

		snprintf(buf, sizeof(buf), "%s", val);
		dash = strchr(buf, '-');
		if (dash)
			*dash = 0;
		if (!dash || eb_parse_uint(buf, 1024, 65535, &lo) ||
		    eb_parse_uint(dash + 1, 1024, 65535, &hi) || hi < lo) {
			snprintf(why, wl, "invalid %s '%s': want LOW-HIGH within 1024-65535", name, val);
			return -EINVAL;
		}
		o->nat_port_min = lo;
		o->nat_port_max = hi;
	} else if (!strcmp(key, "domain")) {
		o->names.domain = val; /* eb_names_check() says what is wrong with it */
	} else if (!strcmp(key, "dns")) {
		/* ADDR[,ADDR...]; the array lives as long as the process, as
		 * val does. */
		uint32_t *dns = calloc(EB_DNS_MAX_UP, sizeof(*dns));
		char *list = strdup(val), *save = NULL, *t;
		int n = 0;

		if (!dns || !list) {
			free(dns);
			free(list);
			snprintf(why, wl, "out of memory");
			return -ENOMEM;
		}
		for (t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (n == EB_DNS_MAX_UP || eb_parse_ipv4(t, &dns[n])) {
				snprintf(why, wl, "invalid %s '%s': want at most %d IPv4 addresses, "
						  "comma-separated",
					 name, val, EB_DNS_MAX_UP);
				free(dns);
				free(list);
				return -EINVAL;
			}
			n++;
		}
		free(list);
		if (!n) {
			free(dns);
			snprintf(why, wl, "invalid %s '%s': want IPv4 addresses", name, val);
			return -EINVAL;
		}
		o->names.dns = dns;
		o->names.ndns = n;
	} else if (!strcmp(key, "mtu")) {
		unsigned long v;

		if (eb_parse_uint(val, EB_MTU_MIN, EB_MTU_MAX, &v)) {
			snprintf(why, wl, "invalid %s '%s': want %d to %d", name, val, EB_MTU_MIN,
				 EB_MTU_MAX);
			return -EINVAL;
		}
		o->mtu = v;
	} else if (!strcmp(key, "ct-tcp-size")) {
		return ct_size(name, val, &o->ct_tcp_size, why, wl);
	} else if (!strcmp(key, "ct-other-size")) {
		return ct_size(name, val, &o->ct_other_size, why, wl);
	} else {
		snprintf(why, wl, "unknown setting '%s'", name);
		return -ENOENT;
	}
	return 0;
bad_subnet:
	snprintf(why, wl,
		 "invalid subnet '%s': want A.B.C.D/N with N from 1 to 30 and no host bits set "
		 "(like 10.77.0.0/16)",
		 val);
	return -EINVAL;
}
