// SPDX-License-Identifier: GPL-2.0
/*
 * An attachment checked end to end (`ebnet attach check`, CNI's CHECK):
 * its record, map entries, program, host address and route, and inside
 * its namespace the device, address and default route. See ebnet.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach_priv.h"

/* Is a program on ifindex's TC ingress (clsact, handle 1 prio 1)? */
static bool clsact_has_prog(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);

	return bpf_tc_query(&hook, &opts) == 0 && opts.prog_id;
}

#define MISSING(...)                                                                               \
	do {                                                                                       \
		eb_errf(e, __VA_ARGS__);                                                           \
		err = -EIO;                                                                        \
		goto out;                                                                          \
	} while (0)

/* In this namespace: the record (*epp) made to its end, its host end, its
 * entries in eb_ports, the FDB and the flood list, its program, the
 * gateway's address on it, the route to it. */
static int check_port(struct eb_ctx *c, const char *net, const char *name, const char *id,
		      const struct att_state *s, struct eb_endpoint **epp, struct eb_err *e)
{
	char ipb[16], p[PATH_MAX + 128];
	struct eb_mac_key mk = {};
	struct eb_ifindex_key pk;
	struct eb_fdb_entry fdb;
	struct eb_endpoint *ep, pep;
	struct eb_link l;
	__u32 slot, ifx;
	int err = 0, dev;

	ep = *epp = ctx_find_name(c, name);
	if (!ep)
		MISSING("attachment '%s' (%s) has no record in map '%s'", name, id, EB_MAP_ENDPOINTS);
	if (!(ep->flags & EB_EP_READY))
		MISSING("attachment '%s' was not made to its end", name);
	if (eb_nl_link_get(&c->nl, ep->host_dev, &l) || l.ifindex != (int)ep->ifindex)
		MISSING("the host end '%s' of attachment '%s' is gone%s", ep->host_dev, name,
			s->host_peer ? "" : " (with its namespace?)");
	pk.ifindex = ep->ifindex;
	if (bpf_map_lookup_elem(c->dp.ports, &pk, &pep) || pep.ip != ep->ip)
		MISSING("no entry for port '%s' in map '%s'", ep->host_dev, EB_MAP_PORTS);
	memcpy(mk.mac, ep->mac, 6);
	if (bpf_map_lookup_elem(c->dp.fdb, &mk, &fdb) || fdb.ifindex != ep->ifindex)
		MISSING("no FDB entry for %s of attachment '%s'", eb_mac_str(ep->mac, p), name);
	slot = ep->flood_slot;
	if (slot >= EB_MAX_ENDPOINTS || bpf_map_lookup_elem(c->dp.flood, &slot, &ifx) ||
	    ifx != ep->ifindex)
		MISSING("no flood entry for port '%s'", ep->host_dev);
	if (ep->flags & EB_EP_CLSACT) {
		if (!clsact_has_prog(ep->ifindex))
			MISSING("no program on the TC ingress of '%s'", ep->host_dev);
	} else {
		snprintf(p, sizeof(p), "%s/%s/link_%s", EB_PIN_ROOT, net, ep->host_dev);
		if (access(p, F_OK))
			MISSING("no tcx link of '%s' (pin %s)", ep->host_dev, p);
	}
	if (eb_nl_addr_on_link(&c->nl, ep->ifindex, c->cfg.gateway) <= 0)
		MISSING("the gateway address %s is not on '%s'", eb_ip_str(c->cfg.gateway, ipb),
			ep->host_dev);
	if (!(l.flags & 1 /* IFF_UP */))
		MISSING("the host end '%s' is down", ep->host_dev);
	if (eb_nl_host_route_dev(&c->nl, ep->ip, &dev) || dev != (int)ep->ifindex)
		MISSING("no route to %s via '%s' in this namespace", eb_ip_str(ep->ip, ipb),
			ep->host_dev);
out:
	return err;
}

/* Inside its namespace: the device, and when ebnet configured it, the
 * address and the default route. */
static int check_inside(const struct att_state *s, const char *name, const struct eb_endpoint *ep,
			struct eb_err *e)
{
	char ipb[16], mb[32];
	struct eb_nl cnl = { 0 };
	struct eb_link l;
	int err, fd, dev;

	fd = open(s->netns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		MISSING("the namespace '%s' of attachment '%s' is gone", s->netns, name);
	err = eb_nl_open_in(&cnl, fd);
	if (err) {
		eb_errf(e, "cannot talk to the namespace '%s': %s", s->netns, strerror(-err));
		goto out;
	}
	if (eb_nl_link_get(&cnl, s->ifname, &l))
		MISSING("no device '%s' in the namespace '%s'", s->ifname, s->netns);
	if (memcmp(l.mac, ep->mac, 6))
		MISSING("'%s' in '%s' has MAC %s, not the attachment's", s->ifname, s->netns,
			eb_mac_str(l.mac, mb));
	if (eb_nl_addr_on_link(&cnl, l.ifindex, ep->ip) <= 0)
		MISSING("'%s' in '%s' does not have the address %s", s->ifname, s->netns,
			eb_ip_str(ep->ip, ipb));
	if (eb_nl_default_route_dev(&cnl, &dev) || dev != l.ifindex)
		MISSING("the namespace '%s' has no default route through '%s'", s->netns, s->ifname);
	err = 0;
out:
	eb_nl_close(&cnl);
	if (fd >= 0)
		close(fd);
	return err;
}

int eb_attach_check(const char *net, const char *id, struct eb_err *e)
{
	char name[EB_NAME_LEN];
	struct eb_endpoint *ep;
	struct att_state s;
	struct eb_ctx c;
	int err;

	ctx_zero(&c);
	if (eb_valid_name(net, EB_NAME_LEN) || att_state_find(net, id, name, &s))
		return -ENOENT;
	err = att_open_net(&c, net, e);
	if (err)
		return err == -ENOENT ? (eb_errf(e, "network '%s' does not exist", net), -ENOENT)
				      : err;
	err = check_port(&c, net, name, id, &s, &ep, e);
	if (!err && !s.host_peer && s.netns[0])
		err = check_inside(&s, name, ep, e);
	ctx_close(&c);
	return err;
}
