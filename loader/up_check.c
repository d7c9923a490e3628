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
#include "checks.h"
#include "health.h"
#include "orphans.h"
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

/* An existing network opened (reloading a program pin that a stopped run
 * left missing), and the request checked against its settings: these
 * change only with `down` and `up` again. */
int up_check_existing(struct up_run *r)
{
	const struct eb_up_opts *o = r->o;
	struct eb_config *cfg = &r->cfg;
	struct eb_err *e = r->e;
	char ipb[16], ipb2[16];
	struct eb_link ul;
	int err;

	err = ctx_open(&r->c, o->net, true, &r->sizes, o->verbose, e);
	if (err)
		return err;
	*cfg = r->c.cfg;
	if (o->plen && (o->subnet != cfg->subnet || o->plen != cfg->prefix_len)) {
		eb_errf(e, "network '%s' exists with subnet %s/%d, not %s/%d", o->net,
			eb_ip_str(cfg->subnet, ipb), cfg->prefix_len, eb_ip_str(o->subnet, ipb2),
			o->plen);
		return -EEXIST;
	}
	if ((o->ct_tcp_size && o->ct_tcp_size != cfg->ct_tcp_size) ||
	    (o->ct_other_size && o->ct_other_size != cfg->ct_other_size) ||
	    (o->snat_ip && o->snat_ip != cfg->snat_ip) ||
	    (o->nat_port_min && (o->nat_port_min != cfg->nat_port_min ||
				 o->nat_port_max != cfg->nat_port_max))) {
		eb_errf(e, "network '%s' exists with other NAT or conntrack settings (see `ebnet "
			   "ls`); `ebnet down --net %s` first to change them",
			o->net, o->net);
		return -EEXIST;
	}
	if (o->uplink) {
		char rec[16];

		/* The same name is the same uplink, made again or not. */
		eb_uplink_name_get(o->net, rec);
		err = eb_nl_link_get(&r->c.nl, o->uplink, &ul);
		if (err && !strcmp(rec, o->uplink)) {
			eb_errf(e, "uplink '%s' of network '%s' does not exist (now)", o->uplink,
				o->net);
			return -ENOENT;
		}
		if (err || ((__u32)ul.ifindex != cfg->uplink_ifindex && strcmp(rec, o->uplink))) {
			eb_errf(e, "network '%s' exists with another uplink; `ebnet down --net %s` "
				   "first to change it",
				o->net, o->net);
			return -EEXIST;
		}
	}
	return 0;
}

/* A new network's subnet and gateway, which nothing on the host may have. */
static int up_new_subnet(struct up_run *r)
{
	const struct eb_up_opts *o = r->o;
	struct eb_config *cfg = &r->cfg;
	char ipb[16], ipb2[16];
	int plen, err;

	if (o->plen) {
		cfg->subnet = o->subnet;
		cfg->prefix_len = o->plen;
	} else {
		eb_parse_cidr(EB_DEFAULT_SUBNET, &cfg->subnet, &plen);
		cfg->prefix_len = plen;
	}
	eb_config_defaults(cfg, cfg->subnet, cfg->prefix_len, o->ct_tcp_size, o->ct_other_size);
	/* Named overlaps first; the gateway check catches the rest (an
	 * address with no route of its own). */
	err = eb_check_subnet(&r->nl, o->net, cfg->subnet, cfg->prefix_len, r->e);
	if (err)
		return err;
	if (eb_nl_addr_is_local(&r->nl, cfg->gateway) > 0) {
		eb_errf(r->e,
			"the gateway address %s of subnet %s/%d is already on this host; "
			"is the subnet in use? (pick another with --subnet)",
			eb_ip_str(cfg->gateway, ipb), eb_ip_str(cfg->subnet, ipb2), cfg->prefix_len);
		return -EEXIST;
	}
	return 0;
}

/* A new network's uplink (--uplink, or the device of the default route)
 * and the address it translates to (--snat-ip, or the uplink's). */
static int up_new_uplink(struct up_run *r)
{
	const struct eb_up_opts *o = r->o;
	struct eb_config *cfg = &r->cfg;
	struct eb_err *e = r->e;
	struct eb_link ul;
	char ipb[16];
	int err, uplink = 0;

	if (o->uplink) {
		err = eb_nl_link_get(&r->nl, o->uplink, &ul);
		if (err) {
			eb_errf(e, "uplink '%s' does not exist in this network namespace", o->uplink);
			return err;
		}
		err = eb_check_uplink(&ul, e);
		if (err)
			return err;
		uplink = ul.ifindex;
	} else if (eb_nl_default_route_dev(&r->nl, &uplink) == 0) {
		eb_nl_link_get_index(&r->nl, uplink, &ul);
	}
	if (uplink) {
		cfg->uplink_ifindex = uplink;
		memcpy(cfg->uplink_mac, ul.mac, 6);
		if (o->snat_ip) {
			if (eb_nl_addr_on_link(&r->nl, uplink, o->snat_ip) <= 0) {
				eb_errf(e, "--snat-ip %s is not an address of the uplink '%s'",
					eb_ip_str(o->snat_ip, ipb), ul.name);
				return -EINVAL;
			}
			cfg->snat_ip = o->snat_ip;
		} else if (eb_nl_link_ipv4(&r->nl, uplink, &cfg->snat_ip) && o->uplink) {
			eb_errf(e, "uplink '%s' has no IPv4 address to translate to", ul.name);
			return -EADDRNOTAVAIL;
		}
	} else if (o->snat_ip) {
		eb_errf(e, "--snat-ip needs an uplink: this namespace has no default route; "
			   "name one with --uplink");
		return -EINVAL;
	}
	return 0;
}

/* A new network: what a network of this name made and lost its pins of
 * goes first (the new one is made afresh in its place), then its settings
 * are chosen into r->cfg. Nothing of it is made yet. */
int up_settle_new(struct up_run *r)
{
	const struct eb_up_opts *o = r->o;
	struct eb_config *cfg = &r->cfg;
	struct eb_err *e = r->e;
	char all[EB_MAX_NETS][64];
	int gone, err;

	err = eb_orphans_remove(o->net, true, &gone, e);
	if (err)
		return err;
	/* Commands that look across networks see EB_MAX_NETS; one more
	 * would be invisible to them, so it is refused. */
	if (eb_net_list(all, EB_MAX_NETS) >= EB_MAX_NETS) {
		eb_errf(e, "this host has %d networks, the most ebnet keeps; "
			   "remove one with 'ebnet down --net NAME' first",
			EB_MAX_NETS);
		return -ENOSPC;
	}
	err = eb_nl_open(&r->nl);
	if (err) {
		eb_errf(e, "cannot open a netlink socket: %s", strerror(-err));
		return err;
	}
	err = up_new_subnet(r);
	if (!err)
		err = up_new_uplink(r);
	if (err)
		return err;
	if (o->attach == EB_ATTACH_CLSACT)
		cfg->flags |= EB_CFG_CLSACT;
	else if (o->attach == EB_ATTACH_TCX)
		cfg->flags |= EB_CFG_TCX;
	return choose_nat_range(o, cfg, e);
}

/* Room for every new container, or nothing is made: the subnet's host
 * addresses but the gateway's. */
int up_check_room(struct up_run *r)
{
	const struct eb_config *cfg = &r->cfg;
	long room = (1L << (32 - cfg->prefix_len)) - 3, fresh = 0;
	char ipb[16];

	for (int i = 0; i < r->n; i++)
		fresh += !(r->exists && ctx_find_name(&r->c, r->ctrs[i].name));
	if (r->exists)
		room -= r->c.neps;
	if (fresh > room) {
		eb_errf(r->e, "subnet %s/%d has room for %ld more container%s (the gateway takes "
			      "one address), not %ld; pick a larger one with --subnet",
			eb_ip_str(cfg->subnet, ipb), cfg->prefix_len, room < 0 ? 0 : room,
			room == 1 ? "" : "s", fresh);
		return -ENOSPC;
	}
	return 0;
}
