// SPDX-License-Identifier: GPL-2.0
/*
 * What a new network is checked against before anything of it is made:
 * a subnet that cannot work (multicast, reserved, loopback...), one that
 * overlaps another network of this host or a route the host has already
 * (the same address would be handed out twice, and the host's route to it
 * would go to one of them), an uplink that cannot be one. See checks.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "checks.h"
#include "ebnet.h"

static bool overlaps(uint32_t a, int alen, uint32_t b, int blen)
{
	int plen = alen < blen ? alen : blen;
	uint32_t m = plen ? htonl(~0U << (32 - plen)) : 0;

	return (a & m) == (b & m);
}

/* Ranges no container network can use (RFC 6890). */
static const struct {
	const char *cidr, *what;
} reserved[] = {
	{ "0.0.0.0/8", "\"this network\" (0.0.0.0/8, RFC 1122), which is no destination" },
	{ "127.0.0.0/8", "loopback (127.0.0.0/8)" },
	{ "169.254.0.0/16", "link-local (169.254.0.0/16)" },
	{ "224.0.0.0/4", "multicast (224.0.0.0/4)" },
	{ "240.0.0.0/4", "reserved (240.0.0.0/4, the broadcast address included)" },
};

struct route_ctx {
	uint32_t subnet;
	int plen;
	uint32_t dst; /* the first route that overlaps */
	int dplen, oif;
};

static int route_overlap(uint32_t dst, int plen, int oif, void *arg)
{
	struct route_ctx *r = arg;

	if (!plen || !overlaps(dst, plen, r->subnet, r->plen))
		return 0; /* the default route covers everything: not an overlap */
	r->dst = dst, r->dplen = plen, r->oif = oif;
	return -EEXIST;
}

int eb_check_subnet(struct eb_nl *nl, const char *net, uint32_t subnet, int plen,
		    struct eb_err *e)
{
	char nets[EB_MAX_NETS][64];
	struct route_ctx r = { subnet, plen, 0, 0, 0 };
	char a[16], b[16];
	int n, err;

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		uint32_t rs;
		int rl;

		eb_parse_cidr(reserved[i].cidr, &rs, &rl);
		if (overlaps(subnet, plen, rs, rl)) {
			eb_errf(e, "subnet %s/%d is %s%s: containers cannot use it; pick another "
				   "with --subnet (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 are private)",
				eb_ip_str(subnet, a), plen, plen < rl ? "wider than, and holds, " : "",
				reserved[i].what);
			return -EINVAL;
		}
	}
	/* Other networks made in this namespace (those of other namespaces
	 * have routes and addresses of their own). */
	n = eb_net_list(nets, EB_MAX_NETS);
	for (int i = 0; i < n; i++) {
		char p[PATH_MAX + 128];
		struct eb_config oc;
		__u32 zero = 0;
		int fd;

		if (!strcmp(nets[i], net) || !eb_net_is_here(nets[i]))
			continue;
		snprintf(p, sizeof(p), "%s/%.63s/%s", EB_PIN_ROOT, nets[i], EB_MAP_CONFIG);
		fd = bpf_obj_get(p);
		if (fd < 0)
			continue;
		err = bpf_map_lookup_elem(fd, &zero, &oc);
		close(fd);
		if (!err && overlaps(subnet, plen, oc.subnet, oc.prefix_len)) {
			eb_errf(e, "subnet %s/%d overlaps network '%s' (%s/%d); pick another with "
				   "--subnet",
				eb_ip_str(subnet, a), plen, nets[i], eb_ip_str(oc.subnet, b),
				oc.prefix_len);
			return -EEXIST;
		}
	}
	err = eb_nl_route_each(nl, route_overlap, &r);
	if (err == -EEXIST) {
		/* Named after the dump: the socket carries one request at a time. */
		struct eb_link l = {};

		if (r.oif)
			eb_nl_link_get_index(nl, r.oif, &l);
		eb_errf(e, "subnet %s/%d overlaps the route %s/%d%s%s that this host has already; "
			   "pick another with --subnet",
			eb_ip_str(subnet, a), plen, eb_ip_str(r.dst, b), r.dplen,
			l.name[0] ? " dev " : "", l.name);
	} else if (err) {
		eb_errf(e, "cannot list this host's routes: %s", strerror(-err));
		return err;
	}
	return err;
}

int eb_check_uplink(const struct eb_link *ul, struct eb_err *e)
{
	if ((ul->flags & IFF_LOOPBACK) || !strcmp(ul->name, "lo")) {
		eb_errf(e, "uplink '%s' is the loopback device: it reaches no other host; name the "
			   "device of the way out (or leave --uplink out: the default route's)",
			ul->name);
		return -EINVAL;
	}
	if (!strncmp(ul->alias, "ebnet:", 6)) {
		char net[64] = "", ctr[64] = "";

		sscanf(ul->alias + 6, "%63[^:]:%63s", net, ctr);
		eb_errf(e, "uplink '%s' is the host side of container '%s' of network '%s': a "
			   "container's veth cannot be an uplink",
			ul->name, ctr, net);
		return -EINVAL;
	}
	return 0;
}
