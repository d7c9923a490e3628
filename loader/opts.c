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

/* A setting's parser: val into o, or -EINVAL with why (name as the caller
 * spelled it). */
typedef int (*opt_fn)(struct eb_up_opts *o, const char *name, const char *val, char *why,
		      size_t wl);

/* A value that is one word of a list ("auto", "tcx", ...). */
struct opt_word {
	const char *word;
	int value;
};

static int opt_pick(const struct opt_word *words, const char *want, const char *name,
		    const char *val, int *out, char *why, size_t wl)
{
	for (int i = 0; words[i].word; i++)
		if (!strcmp(val, words[i].word)) {
			*out = words[i].value;
			return 0;
		}
	snprintf(why, wl, "invalid %s '%s': want %s", name, val, want);
	return -EINVAL;
}

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

static int set_subnet(struct eb_up_opts *o, const char *name, const char *val, char *why,
		      size_t wl)
{
	if (!eb_parse_cidr(val, &o->subnet, &o->plen))
		return 0;
	snprintf(why, wl,
		 "invalid subnet '%s': want A.B.C.D/N with N from 1 to 30 and no host bits set "
		 "(like 10.77.0.0/16)",
		 val);
	return -EINVAL;
}

static int set_subnet6(struct eb_up_opts *o, const char *name, const char *val, char *why,
		       size_t wl)
{
	if (eb_parse_cidr6(val, o->subnet6, &o->plen6)) {
		snprintf(why, wl,
			 "invalid %s '%s': want an IPv6 prefix /48 to /120 with no host bits "
			 "set (like fd00:77::/64)",
			 name, val);
		return -EINVAL;
	}
	o->ipv6 = true;
	return 0;
}

static int set_ipv6(struct eb_up_opts *o, const char *name, const char *val, char *why, size_t wl)
{
	if (strcmp(val, "true") && strcmp(val, "on") && strcmp(val, "1")) {
		snprintf(why, wl, "invalid %s '%s': want true", name, val);
		return -EINVAL;
	}
	o->ipv6 = true;
	return 0;
}

static int set_snat_ip6(struct eb_up_opts *o, const char *name, const char *val, char *why,
			size_t wl)
{
	static const uint8_t any[16];

	if (inet_pton(AF_INET6, val, o->snat_ip6) != 1 || !memcmp(o->snat_ip6, any, 16)) {
		snprintf(why, wl, "invalid %s '%s': want an IPv6 address", name, val);
		return -EINVAL;
	}
	o->ipv6 = true;
	return 0;
}

static int set_nat6(struct eb_up_opts *o, const char *name, const char *val, char *why, size_t wl)
{
	static const struct opt_word w[] = { { "on", EB_NAT6_ON }, { "off", EB_NAT6_OFF }, {} };
	int err = opt_pick(w, "on or off", name, val, &o->nat6, why, wl);

	if (!err)
		o->ipv6 = true;
	return err;
}

static int set_uplink(struct eb_up_opts *o, const char *name, const char *val, char *why,
		      size_t wl)
{
	if (!*val || strlen(val) >= 16) {
		snprintf(why, wl, "invalid %s '%s': want a device name", name, val);
		return -EINVAL;
	}
	o->uplink = val;
	return 0;
}

static int set_attach(struct eb_up_opts *o, const char *name, const char *val, char *why,
		      size_t wl)
{
	static const struct opt_word w[] = { { "auto", EB_ATTACH_AUTO },
					     { "tcx", EB_ATTACH_TCX },
					     { "clsact", EB_ATTACH_CLSACT },
					     {} };
	int v, err = opt_pick(w, "auto, tcx or clsact", name, val, &v, why, wl);

	if (!err)
		o->attach = v;
	return err;
}

static int set_xdp(struct eb_up_opts *o, const char *name, const char *val, char *why, size_t wl)
{
	static const struct opt_word w[] = { { "auto", EB_XDP_AUTO },
					     { "native", EB_XDP_NATIVE },
					     { "off", EB_XDP_OFF },
					     {} };
	int v, err = opt_pick(w, "auto, native or off", name, val, &v, why, wl);

	if (!err)
		o->xdp = v;
	return err;
}

static int set_snat_ip(struct eb_up_opts *o, const char *name, const char *val, char *why,
		       size_t wl)
{
	if (eb_parse_ipv4(val, &o->snat_ip)) {
		snprintf(why, wl, "invalid %s '%s': want an IPv4 address", name, val);
		return -EINVAL;
	}
	return 0;
}

static int set_nat_ports(struct eb_up_opts *o, const char *name, const char *val, char *why,
			 size_t wl)
{
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
	return 0;
}

static int set_domain(struct eb_up_opts *o, const char *name, const char *val, char *why,
		      size_t wl)
{
	o->names.domain = val; /* eb_names_check() says what is wrong with it */
	return 0;
}

/* ADDR[,ADDR...]; the array lives as long as the process, as val does. */
static int set_dns(struct eb_up_opts *o, const char *name, const char *val, char *why, size_t wl)
{
	uint32_t *dns = calloc(EB_DNS_MAX_UP, sizeof(*dns));
	char *list = strdup(val), *save = NULL, *t;
	int n = 0, err = 0;

	if (!dns || !list) {
		snprintf(why, wl, "out of memory");
		err = -ENOMEM;
	}
	for (t = err ? NULL : strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == EB_DNS_MAX_UP || eb_parse_ipv4(t, &dns[n])) {
			snprintf(why, wl, "invalid %s '%s': want at most %d IPv4 addresses, "
					  "comma-separated",
				 name, val, EB_DNS_MAX_UP);
			err = -EINVAL;
			break;
		}
		n++;
	}
	if (!err && !n) {
		snprintf(why, wl, "invalid %s '%s': want IPv4 addresses", name, val);
		err = -EINVAL;
	}
	free(list);
	if (err) {
		free(dns);
		return err;
	}
	o->names.dns = dns;
	o->names.ndns = n;
	return 0;
}

static int set_mtu(struct eb_up_opts *o, const char *name, const char *val, char *why, size_t wl)
{
	unsigned long v;

	if (eb_parse_uint(val, EB_MTU_MIN, EB_MTU_MAX, &v)) {
		snprintf(why, wl, "invalid %s '%s': want %d to %d", name, val, EB_MTU_MIN,
			 EB_MTU_MAX);
		return -EINVAL;
	}
	o->mtu = v;
	return 0;
}

static int set_ct_tcp(struct eb_up_opts *o, const char *name, const char *val, char *why,
		      size_t wl)
{
	return ct_size(name, val, &o->ct_tcp_size, why, wl);
}

static int set_ct_other(struct eb_up_opts *o, const char *name, const char *val, char *why,
			size_t wl)
{
	return ct_size(name, val, &o->ct_other_size, why, wl);
}

static const struct {
	const char *key;
	opt_fn set;
} opt_setters[] = {
	{ "subnet", set_subnet },
	{ "subnet6", set_subnet6 },
	{ "ipv6", set_ipv6 },
	{ "snat-ip6", set_snat_ip6 },
	{ "nat6", set_nat6 },
	{ "uplink", set_uplink },
	{ "attach", set_attach },
	{ "xdp", set_xdp },
	{ "snat-ip", set_snat_ip },
	{ "nat-ports", set_nat_ports },
	{ "domain", set_domain },
	{ "dns", set_dns },
	{ "mtu", set_mtu },
	{ "ct-tcp-size", set_ct_tcp },
	{ "ct-other-size", set_ct_other },
};

int eb_up_opt_set(struct eb_up_opts *o, const char *name, const char *val, char *why, size_t wl)
{
	/* Messages name the setting as the caller did: "--xdp" or "xdp". */
	const char *key = !strncmp(name, "--", 2)	     ? name + 2
			  : !strcmp(name, "upstream-dns") ? "dns" /* the conflist's name */
							   : name;

	for (size_t i = 0; i < sizeof(opt_setters) / sizeof(opt_setters[0]); i++)
		if (!strcmp(key, opt_setters[i].key))
			return opt_setters[i].set(o, name, val, why, wl);
	snprintf(why, wl, "unknown setting '%s'", name);
	return -ENOENT;
}
