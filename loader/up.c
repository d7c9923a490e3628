// SPDX-License-Identifier: GPL-2.0
/*
 * `ebnet up`: a network made or checked, its containers made or repaired.
 *
 * State lives in the pinned maps only. A container's record in eb_endpoints
 * is written first, as an intent, and marked EB_EP_READY last: a run that
 * stops halfway leaves a record that the next `up` redoes (same address)
 * and that `rm` and `down` know how to remove.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <bpf/bpf.h>

#include "ebnet.h"
#include "health.h"
#include "orphans.h"
#include "checks.h"
#include "netns.h"
#include "nl.h"
#include "net_priv.h"

/* The sock_addr programs, and this namespace as the network's host. */
static int ensure_host_sock(struct eb_ctx *c)
{
	__u32 kind = EB_NS_HOST;
	__u64 cookie;
	int err;

	/* First, and with or without the programs: the entry also says which
	 * namespace the network belongs to (eb_net_is_here, for ls, ports,
	 * ct, stats without --net). */
	err = sock_netns_cookie(mnl_socket_get_fd(c->nl.sock), &cookie);
	if (err) {
		eb_errf(c->e, "cannot read this network namespace's cookie: %s (Linux 5.14+)",
			strerror(-err));
		return err;
	}
	if (bpf_map_update_elem(c->dp.netns, &cookie, &kind, BPF_ANY) < 0) {
		err = -errno;
		eb_errf(c->e, "cannot write map '%s': %s", EB_MAP_NETNS, strerror(-err));
		return err;
	}
	err = eb_dp_attach_sock(&c->dp, c->net, c->e);
	if (err == -ENOENT) {
		/* No cgroup v2: published ports still work from outside. */
		c->e->msg[0] = 0;
		return 0;
	}
	return err;
}

struct taken_ctx {
	struct eb_ctx *c;
	const uint32_t *extra;
	int nextra;
};

static bool ip_taken(uint32_t a, void *p)
{
	struct taken_ctx *t = p;

	if (ctx_find_ip(t->c, a))
		return true;
	for (int i = 0; i < t->nextra; i++)
		if (t->extra[i] == a)
			return true;
	return false;
}

/* The programs loaded and opened (eb_dp_ensure_end), then what needs
 * them: clsact filters after an upgrade, the uplink, the cgroup hooks.
 * Once per `up`; later calls return 0. */
int ctx_ready(struct eb_ctx *c)
{
	int err, i;

	if (c->ready)
		return 0;
	err = eb_dp_ensure_end(c->net, &c->dp, c->e);
	if (err) {
		c->load_failed = true;
		return err;
	}
	if (c->dp.upgraded) {
		/* tcx and cgroup links were swapped; clsact filters are
		 * replaced in place (BPF_TC_F_REPLACE), port by port. A port
		 * whose device is gone is rebuilt by `up`, and the uplink is
		 * healed by ensure_uplink(): only a refusal on a device that
		 * is there is an error. */
		for (i = 0; i < c->neps; i++) {
			struct eb_link l;
			bool cls;

			if (!(c->eps[i].flags & EB_EP_CLSACT) || !c->eps[i].ifindex ||
			    eb_nl_link_get_index(&c->nl, c->eps[i].ifindex, &l))
				continue;
			err = eb_dp_attach(&c->dp, c->net, c->eps[i].ifindex, c->eps[i].host_dev,
					   EB_ATTACH_CLSACT, &cls, c->e);
			if (err)
				return err;
		}
		if (c->cfg.flags & EB_CFG_UPLINK_CLSACT) {
			struct eb_link l;
			bool cls, made;

			if (eb_nl_link_get_index(&c->nl, c->cfg.uplink_ifindex, &l) == 0) {
				err = eb_dp_attach_uplink(&c->dp, c->net, l.ifindex, l.name,
							  EB_ATTACH_CLSACT, &cls, &made, c->e);
				if (err)
					return err;
			}
		}
		/* Every hook runs the new programs: the maps of earlier
		 * builds can go. */
		eb_dp_retire_old_maps(&c->dp, c->net);
	}
	err = ensure_uplink(c);
	if (!err) {
		err = ensure_xdp(c, c->xdp);
		/* A new network refused for its --xdp is undone whole, as
		 * one whose programs did not load. */
		if (err)
			c->load_failed = true;
	}
	if (!err)
		err = ensure_host_sock(c);
	if (!err)
		c->ready = true;
	return err;
}

/*
 * Every container whose namespace and veth are there but whose program is
 * not (a clsact qdisc or filter removed, a tcx link gone) or is another
 * program than the network's gets it again, in the mode it was made with.
 * The first refusal is the error: nothing of a repair is swallowed.
 */
static int ports_repair(struct eb_ctx *c)
{
	__u32 want = eb_pinned_prog_id(c->net, EB_PROG_PIN_CONTAINER);
	char why[160];
	int err;

	for (int i = 0; i < c->neps; i++) {
		struct eb_endpoint *ep = &c->eps[i];
		bool cls, was_clsact = ep->flags & EB_EP_CLSACT;

		if (!eb_port_state(c->net, &c->nl, ep, want, why, sizeof(why)) || !why[0])
			continue;
		err = eb_dp_attach(&c->dp, c->net, ep->ifindex, ep->host_dev,
				   was_clsact ? EB_ATTACH_CLSACT : EB_ATTACH_TCX, &cls, c->e);
		if (err) {
			size_t n = strlen(c->e->msg);

			snprintf(c->e->msg + n, sizeof(c->e->msg) - n,
				 " (repairing container '%s': %s)", ep->name, why);
			return err;
		}
	}
	return 0;
}

int eb_up(const struct eb_up_opts *o, const struct eb_ctr_req *ctrs, int n, struct eb_err *e)
{
	struct eb_config cfg = {};
	struct eb_ctx c;
	struct eb_nl nl = { 0 };
	struct eb_link ul;
	uint32_t *want = NULL;
	struct ctr_work *work = NULL;
	struct eb_ctr_req *req = NULL;
	int nwork = 0;
	struct eb_dp_sizes sizes = { o->ct_tcp_size ? o->ct_tcp_size : EB_DEFAULT_CT_TCP,
				     o->ct_other_size ? o->ct_other_size : EB_DEFAULT_CT_OTHER };
	bool exists = false;
	char ipb[16], ipb2[16];
	int lock, err, i, uplink = 0;

	if (eb_valid_name(o->net, EB_NAME_LEN)) {
		eb_errf(e, "invalid network name '%s': use 1 to %d of A-Z a-z 0-9 _ . -", o->net,
			EB_NAME_LEN - 1);
		return -EINVAL;
	}
	err = eb_names_check(o->net, &o->names, e);
	if (err)
		return err;
	lock = eb_lock(e);
	if (lock < 0)
		return lock;
	ctx_zero(&c);
	err = eb_dp_mount_bpffs(e);
	if (err)
		goto out;
	exists = eb_dp_exists(o->net);

	if (exists) {
		/* Opens what is pinned; reloads a program pin that a stopped run
		 * left missing. */
		err = ctx_open(&c, o->net, true, &sizes, o->verbose, e);
		if (err)
			goto out;
		cfg = c.cfg;
		if (o->plen && (o->subnet != cfg.subnet || o->plen != cfg.prefix_len)) {
			eb_errf(e, "network '%s' exists with subnet %s/%d, not %s/%d", o->net,
				eb_ip_str(cfg.subnet, ipb), cfg.prefix_len, eb_ip_str(o->subnet, ipb2),
				o->plen);
			err = -EEXIST;
			goto out;
		}
		if ((o->ct_tcp_size && o->ct_tcp_size != cfg.ct_tcp_size) ||
		    (o->ct_other_size && o->ct_other_size != cfg.ct_other_size) ||
		    (o->snat_ip && o->snat_ip != cfg.snat_ip) ||
		    (o->nat_port_min && (o->nat_port_min != cfg.nat_port_min ||
					 o->nat_port_max != cfg.nat_port_max))) {
			eb_errf(e, "network '%s' exists with other NAT or conntrack settings (see `ebnet "
				   "ls`); `ebnet down --net %s` first to change them",
				o->net, o->net);
			err = -EEXIST;
			goto out;
		}
		if (o->uplink) {
			char rec[16];

			/* The same name is the same uplink, made again or not. */
			eb_uplink_name_get(o->net, rec);
			err = eb_nl_link_get(&c.nl, o->uplink, &ul);
			if (err && !strcmp(rec, o->uplink)) {
				eb_errf(e, "uplink '%s' of network '%s' does not exist (now)",
					o->uplink, o->net);
				err = -ENOENT;
				goto out;
			}
			if (err || ((__u32)ul.ifindex != cfg.uplink_ifindex && strcmp(rec, o->uplink))) {
				eb_errf(e, "network '%s' exists with another uplink; `ebnet down --net %s` "
					   "first to change it",
					o->net, o->net);
				err = -EEXIST;
				goto out;
			}
		}
	} else {
		int gone;

		/* What a network of this name made and lost its pins of goes
		 * first: the new one is made afresh in its place. */
		err = eb_orphans_remove(o->net, true, &gone, e);
		if (err)
			goto out;
		/* A new network: settle its settings, then check the request.
		 * Commands that look across networks see EB_MAX_NETS; one
		 * more would be invisible to them, so it is refused. */
		{
			char all[EB_MAX_NETS][64];

			if (eb_net_list(all, EB_MAX_NETS) >= EB_MAX_NETS) {
				eb_errf(e, "this host has %d networks, the most ebnet keeps; "
					"remove one with 'ebnet down --net NAME' first",
					EB_MAX_NETS);
				err = -ENOSPC;
				goto out;
			}
		}
		err = eb_nl_open(&nl);
		if (err) {
			eb_errf(e, "cannot open a netlink socket: %s", strerror(-err));
			goto out;
		}
		if (o->plen) {
			cfg.subnet = o->subnet;
			cfg.prefix_len = o->plen;
		} else {
			eb_parse_cidr(EB_DEFAULT_SUBNET, &cfg.subnet, &i);
			cfg.prefix_len = i;
		}
		cfg.mask = eb_plen_to_mask(cfg.prefix_len);
		cfg.gateway = eb_first_host(cfg.subnet, cfg.prefix_len);
		/* Named overlaps first; the gateway check catches the rest (an
		 * address with no route of its own). */
		err = eb_check_subnet(&nl, o->net, cfg.subnet, cfg.prefix_len, e);
		if (err)
			goto out;
		if (eb_nl_addr_is_local(&nl, cfg.gateway) > 0) {
			eb_errf(e,
				"the gateway address %s of subnet %s/%d is already on this host; "
				"is the subnet in use? (pick another with --subnet)",
				eb_ip_str(cfg.gateway, ipb), eb_ip_str(cfg.subnet, ipb2), cfg.prefix_len);
			err = -EEXIST;
			goto out;
		}
		if (o->uplink) {
			err = eb_nl_link_get(&nl, o->uplink, &ul);
			if (err) {
				eb_errf(e, "uplink '%s' does not exist in this network namespace",
					o->uplink);
				goto out;
			}
			err = eb_check_uplink(&ul, e);
			if (err)
				goto out;
			uplink = ul.ifindex;
		} else if (eb_nl_default_route_dev(&nl, &uplink) == 0) {
			eb_nl_link_get_index(&nl, uplink, &ul);
		}
		if (uplink) {
			cfg.uplink_ifindex = uplink;
			memcpy(cfg.uplink_mac, ul.mac, 6);
			if (o->snat_ip) {
				if (eb_nl_addr_on_link(&nl, uplink, o->snat_ip) <= 0) {
					eb_errf(e, "--snat-ip %s is not an address of the uplink '%s'",
						eb_ip_str(o->snat_ip, ipb), ul.name);
					err = -EINVAL;
					goto out;
				}
				cfg.snat_ip = o->snat_ip;
			} else if (eb_nl_link_ipv4(&nl, uplink, &cfg.snat_ip) && o->uplink) {
				eb_errf(e, "uplink '%s' has no IPv4 address to translate to", ul.name);
				err = -EADDRNOTAVAIL;
				goto out;
			}
		} else if (o->snat_ip) {
			eb_errf(e, "--snat-ip needs an uplink: this namespace has no default route; "
				   "name one with --uplink");
			err = -EINVAL;
			goto out;
		}
		if (o->attach == EB_ATTACH_CLSACT)
			cfg.flags |= EB_CFG_CLSACT;
		else if (o->attach == EB_ATTACH_TCX)
			cfg.flags |= EB_CFG_TCX;
		err = choose_nat_range(o, &cfg, e);
		if (err)
			goto out;
		cfg.ct_tcp_syn = EB_CT_DEF_SYN_SENT;
		cfg.ct_tcp_est = EB_CT_DEF_EST;
		cfg.ct_tcp_close = EB_CT_DEF_CLOSE;
		cfg.ct_udp = 60;
		cfg.ct_icmp = 30;
		cfg.ct_tcp_size = o->ct_tcp_size ? o->ct_tcp_size : EB_DEFAULT_CT_TCP;
		cfg.ct_other_size = o->ct_other_size ? o->ct_other_size : EB_DEFAULT_CT_OTHER;
	}

	if (exists) {
		/* A container broken since (its namespace or veth removed by
		 * hand) is rebuilt by any `up`, named or not. */
		__u32 want_prog = eb_pinned_prog_id(o->net, EB_PROG_PIN_CONTAINER);
		char why[160];
		int m = n;

		req = calloc((size_t)n + c.neps + 1, sizeof(*req));
		if (!req) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(req, ctrs, n * sizeof(*req));
		for (i = 0; i < c.neps; i++) {
			bool named = false;

			for (int j = 0; j < n && !named; j++)
				named = !strcmp(ctrs[j].name, c.eps[i].name);
			if (named || !(c.eps[i].flags & EB_EP_READY) || (c.eps[i].flags & EB_EP_ATTACHED) ||
			    eb_port_state(o->net, &c.nl, &c.eps[i], want_prog, why, sizeof(why)))
				continue;
			req[m].name = c.eps[i].name;
			req[m++].ip = c.eps[i].ip;
		}
		ctrs = req;
		n = m;
	}
	err = validate_up(o, ctrs, n, &cfg, exists ? &c : NULL, e);
	if (!err)
		err = ipv6_check(o, &cfg, exists, e);
	if (err)
		goto out;
	{
		/* Room for every new container, or nothing is made: the
		 * subnet's host addresses but the gateway's. */
		long room = (1L << (32 - cfg.prefix_len)) - 3, fresh = 0;

		for (i = 0; i < n; i++)
			fresh += !(exists && ctx_find_name(&c, ctrs[i].name));
		if (exists)
			room -= c.neps;
		if (fresh > room) {
			eb_errf(e, "subnet %s/%d has room for %ld more container%s (the gateway takes "
				   "one address), not %ld; pick a larger one with --subnet",
				eb_ip_str(cfg.subnet, ipb), cfg.prefix_len, room < 0 ? 0 : room,
				room == 1 ? "" : "s", fresh);
			err = -ENOSPC;
			goto out;
		}
	}

	if (!exists) {
		err = ctx_open(&c, o->net, true, &sizes, o->verbose, e);
		if (err) {
			eb_dp_destroy(o->net);
			goto out;
		}
		c.cfg = cfg;
		err = ctx_write_cfg(&c);
		if (err) {
			ctx_close(&c);
			eb_dp_destroy(o->net);
			goto out;
		}
	}
	err = eb_names_setup(c.net, &o->names, e);
	if (err)
		goto out;
	c.port_attach = ports_attach(o->attach, c.cfg.flags);
	c.xdp = o->xdp;
	err = up_mtu(&c, o);
	if (err)
		goto out;
	c.uplink_attach = o->attach != EB_ATTACH_AUTO	   ? o->attach
			  : (c.cfg.flags & EB_CFG_CLSACT) ? EB_ATTACH_CLSACT
			  : (c.cfg.flags & EB_CFG_TCX)	   ? EB_ATTACH_TCX
							   : EB_ATTACH_AUTO;
	/* A new network's programs load while its first containers are
	 * prepared; the uplink and the cgroup hooks wait for them. */
	if (!c.dp.pending) {
		err = ctx_ready(&c);
		if (err)
			goto out;
	}

	/* Addresses: given ones, an existing container's, then the next free. */
	want = calloc(n ? n : 1, sizeof(*want));
	if (!want) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct eb_endpoint *have = ctx_find_name(&c, ctrs[i].name);

		want[i] = ctrs[i].ip ? ctrs[i].ip : have ? have->ip : 0;
	}
	for (i = 0; i < n; i++) {
		struct taken_ctx t = { .c = &c, .extra = want, .nextra = n };

		if (want[i])
			continue;
		want[i] = eb_next_free_ip(c.cfg.subnet, c.cfg.prefix_len, c.cfg.gateway, ip_taken, &t);
		if (!want[i]) {
			eb_errf(e, "no free address left in %s/%d for '%s'",
				eb_ip_str(c.cfg.subnet, ipb), c.cfg.prefix_len, ctrs[i].name);
			err = -ENOSPC;
			goto out;
		}
	}
	work = calloc(EB_UP_BATCH, sizeof(*work));
	if (!work) {
		err = -ENOMEM;
		goto out;
	}
	if (c.neps + n > EB_MAX_ENDPOINTS) {
		int fresh = 0;

		for (i = 0; i < n; i++)
			fresh += !ctx_find_name(&c, ctrs[i].name);
		if (c.neps + fresh > EB_MAX_ENDPOINTS) {
			eb_errf(e, "network '%s' would have %d containers; it holds at most %d",
				o->net, c.neps + fresh, EB_MAX_ENDPOINTS);
			err = -ENOSPC;
			goto out;
		}
	}

	/* In batches: prepare (records, namespaces, veth pairs), then finish
	 * (programs, addresses, up). A batch keeps a socket open in each of
	 * its containers' namespaces. */
	for (i = 0; i <= n; i++) {
		struct eb_endpoint *have, *slot, ep = {};

		if (nwork == EB_UP_BATCH || (i == n && nwork)) {
			err = ctx_ready(&c);
			if (!err)
				err = finish_batch(&c, work, nwork);
			nwork = 0;
			if (err)
				goto out;
		}
		if (i == n)
			break;
		have = ctx_find_name(&c, ctrs[i].name);
		if (have && ctr_healthy(&c, have))
			continue;
		if (have) {
			/* Left halfway by an earlier run, or broken since: redo it. */
			ep = *have;
			err = ctr_teardown(&c, have, true);
			if (err)
				goto out;
			if (ep.flood_slot < EB_MAX_ENDPOINTS)
				c.slot_used[ep.flood_slot] = 0;
		} else {
			ep.flood_slot = EB_MAX_ENDPOINTS;
		}
		ep.ip = want[i];
		snprintf(ep.name, sizeof(ep.name), "%s", ctrs[i].name);
		if (!have || !ep.host_dev[0]) {
			err = pick_host_dev(&c, ep.name, ep.host_dev);
			if (err)
				goto out;
		}
		eb_mac_for(ep.ip, false, ep.mac);
		eb_mac_for(ep.ip, true, ep.host_mac);
		if (!have && c.neps >= EB_MAX_ENDPOINTS)
			continue; /* counted above: cannot happen */
		slot = have ? have : &c.eps[c.neps++];
		*slot = ep;
		work[nwork].ep = slot;
		err = ctr_prepare(&c, &work[nwork]);
		if (err)
			goto out;
		nwork++;
	}
	err = ctx_ready(&c);
	if (!err)
		err = eb_names_sync(c.net, c.eps, c.neps, c.cfg.gateway, &o->names, e);
	if (!err && exists)
		err = ports_repair(&c);
	if (!err)
		err = ipv6_sync(&c, o);
out:
	for (i = 0; i < nwork; i++)
		ctr_work_close(&work[i]);
	if (err && !exists && c.load_failed) {
		/* A new network whose programs did not load: nothing of it
		 * stays, as when they loaded before any container was made. */
		struct eb_endpoint **eps = calloc(c.neps > 0 ? (size_t)c.neps : 1, sizeof(*eps));
		struct eb_err ignored = {};

		c.e = &ignored;
		for (i = 0; eps && i < c.neps; i++)
			eps[i] = &c.eps[i];
		if (eps)
			ctrs_teardown(&c, eps, c.neps, false, false);
		free(eps);
		if (c.cfg.flags & EB_CFG_UPLINK_CLSACT)
			eb_dp_detach_uplink_clsact(c.net, c.cfg.uplink_ifindex,
						   (c.cfg.flags & EB_CFG_UPLINK_QDISC) &&
							   !uplink_shared(c.net, c.cfg.uplink_ifindex));
		ctx_close(&c);
		eb_dp_destroy(o->net);
	}
	free(work);
	free(want);
	free(req);
	eb_nl_close(&nl);
	ctx_close(&c);
	eb_unlock(lock);
	return err;
}
