// SPDX-License-Identifier: GPL-2.0
/*
 * `ebnet up`, before anything changes: the request checked against the
 * network (and the host), and a new network's settings chosen. Then the
 * MTU of new containers. See up.c for the order of the steps.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ebnet.h"
#include "netns.h"
#include "nl.h"
#include "net_priv.h"

/* Everything about the request is checked before anything is changed. */
int validate_up(const struct eb_up_opts *o, const struct eb_ctr_req *ctrs, int n,
		       const struct eb_config *cfg, struct eb_ctx *c, struct eb_err *e)
{
	char ipb[16], netb[64];
	int i, j;

	for (i = 0; i < n; i++) {
		const char *name = ctrs[i].name;
		struct eb_endpoint *have = c ? ctx_find_name(c, name) : NULL;

		if (eb_valid_name(name, EB_NAME_LEN)) {
			eb_errf(e,
				"invalid container name '%s': use 1 to %d of A-Z a-z 0-9 _ . -, "
				"not starting with - or .",
				name, EB_NAME_LEN - 1);
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(ctrs[j].name, name)) {
				eb_errf(e, "container '%s' is named twice", name);
				return -EINVAL;
			}
		if (have && (have->flags & EB_EP_ATTACHED)) {
			eb_errf(e, "'%s' is attached to a namespace of another tool; `ebnet detach %s` "
				   "first",
				name, name);
			return -EEXIST;
		}
		if (!have && eb_find_container(name, netb, sizeof(netb), NULL) == 0 &&
		    strcmp(netb, o->net)) {
			eb_errf(e, "container '%s' already exists in network '%s'", name, netb);
			return -EEXIST;
		}
		if (!have && eb_netns_exists(name)) {
			eb_errf(e,
				"a network namespace named '%s' exists and is not an ebnet container; "
				"pick another name or remove it (ip netns del %s)",
				name, name);
			return -EEXIST;
		}
		if (!ctrs[i].ip)
			continue;
		if (!eb_ip_is_host(ctrs[i].ip, cfg->subnet, cfg->prefix_len)) {
			eb_errf(e, "address %s of '%s' is not a host address of the subnet %s/%d",
				eb_ip_str(ctrs[i].ip, ipb), name, eb_ip_str(cfg->subnet, netb),
				cfg->prefix_len);
			return -EINVAL;
		}
		if (ctrs[i].ip == cfg->gateway) {
			eb_errf(e, "address %s of '%s' is the gateway's", eb_ip_str(ctrs[i].ip, ipb),
				name);
			return -EINVAL;
		}
		if (have && have->ip != ctrs[i].ip) {
			eb_errf(e, "container '%s' exists with address %s; `ebnet rm %s` first to change it",
				name, eb_ip_str(have->ip, ipb), name);
			return -EEXIST;
		}
		if (c) {
			struct eb_endpoint *owner = ctx_find_ip(c, ctrs[i].ip);

			if (owner && strcmp(owner->name, name)) {
				eb_errf(e, "address %s is taken by container '%s'",
					eb_ip_str(ctrs[i].ip, ipb), owner->name);
				return -EEXIST;
			}
		}
		for (j = 0; j < i; j++)
			if (ctrs[j].ip == ctrs[i].ip) {
				eb_errf(e, "address %s is given to both '%s' and '%s'",
					eb_ip_str(ctrs[i].ip, ipb), ctrs[j].name, name);
				return -EINVAL;
			}
	}
	return 0;
}

/*
 * The MTU of new containers: --mtu, or the one the network's containers
 * have, or the uplink's. The uplink's by default, so that what a
 * container sends fits out of the host without fragments (an MTU of 1500
 * behind a 1450 uplink lost every larger packet without DF). A larger
 * --mtu (jumbo frames between containers) is allowed: packets to the
 * outside that do not fit then get "fragmentation needed" from the
 * gateway. One MTU per network: --mtu that differs from its containers'
 * is refused.
 */
int up_mtu(struct eb_ctx *c, const struct eb_up_opts *o)
{
	struct eb_link l;
	unsigned int have = 0;

	for (int i = 0; i < c->neps && !have; i++)
		if (c->eps[i].ifindex && eb_nl_link_get(&c->nl, c->eps[i].host_dev, &l) == 0)
			have = l.mtu;
	if (o->mtu && have && o->mtu != have) {
		eb_errf(c->e, "network '%s' has containers with MTU %u, not %u; `ebnet down --net "
			      "%s` first to change it",
			c->net, have, o->mtu, c->net);
		return -EEXIST;
	}
	if (o->mtu)
		c->mtu = o->mtu;
	else if (have)
		c->mtu = have;
	else if (c->cfg.uplink_ifindex && eb_nl_link_get_index(&c->nl, c->cfg.uplink_ifindex, &l) == 0)
		c->mtu = l.mtu;
	return 0;
}
