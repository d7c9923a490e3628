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
#include "netns.h"
#include "nl.h"
#include "ebnet_pub.h"
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
	eb_host6_sync(c->net); /* best effort: publish refreshes it too */
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
	}
	/* Every hook runs this build's programs: the maps of earlier builds
	 * can go. Also when this `up` upgraded nothing: one that stopped
	 * after the new programs took over (the build written) left them
	 * pinned, and publish refuses while eb_published is there. */
	eb_dp_retire_old_maps(&c->dp, c->net);
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

/* Containers broken since (their namespace or veth removed by hand) are
 * rebuilt by any `up`, named or not: r->ctrs gets them after the request. */
static int up_add_broken(struct up_run *r)
{
	__u32 want_prog = eb_pinned_prog_id(r->o->net, EB_PROG_PIN_CONTAINER);
	struct eb_ctx *c = &r->c;
	char why[160];
	int m = r->n;

	r->req = calloc((size_t)r->n + c->neps + 1, sizeof(*r->req));
	if (!r->req)
		return -ENOMEM;
	memcpy(r->req, r->ctrs, r->n * sizeof(*r->req));
	for (int i = 0; i < c->neps; i++) {
		bool named = false;

		for (int j = 0; j < r->n && !named; j++)
			named = !strcmp(r->ctrs[j].name, c->eps[i].name);
		if (named || !(c->eps[i].flags & EB_EP_READY) || (c->eps[i].flags & EB_EP_ATTACHED) ||
		    eb_port_state(r->o->net, &c->nl, &c->eps[i], want_prog, why, sizeof(why)))
			continue;
		r->req[m].name = c->eps[i].name;
		r->req[m++].ip = c->eps[i].ip;
	}
	r->ctrs = r->req;
	r->n = m;
	return 0;
}

/* A new network's maps and programs (these may go on loading), and its
 * settings written: from here on it exists. On a failure nothing of it
 * stays. */
static int up_create(struct up_run *r)
{
	int err = ctx_open(&r->c, r->o->net, true, &r->sizes, r->o->verbose, r->e);

	if (err) {
		eb_dp_destroy(r->o->net);
		return err;
	}
	r->c.cfg = r->cfg;
	err = ctx_write_cfg(&r->c);
	if (err) {
		ctx_close(&r->c);
		eb_dp_destroy(r->o->net);
	}
	return err;
}

/* What the containers get from the network: DNS, the attach modes, XDP,
 * the MTU; then the hooks, unless the programs are still loading. */
static int up_settings(struct up_run *r)
{
	const struct eb_up_opts *o = r->o;
	struct eb_ctx *c = &r->c;
	int err;

	err = eb_names_setup(c->net, &o->names, r->e);
	if (err)
		return err;
	c->port_attach = ports_attach(o->attach, c->cfg.flags);
	c->xdp = o->xdp;
	err = up_mtu(c, o);
	if (err)
		return err;
	c->uplink_attach = o->attach != EB_ATTACH_AUTO	    ? o->attach
			   : (c->cfg.flags & EB_CFG_CLSACT) ? EB_ATTACH_CLSACT
			   : (c->cfg.flags & EB_CFG_TCX)    ? EB_ATTACH_TCX
							    : EB_ATTACH_AUTO;
	/* A new network's programs load while its first containers are
	 * prepared; the uplink and the cgroup hooks wait for them. */
	if (!c->dp.pending)
		return ctx_ready(c);
	return 0;
}

/* Addresses: given ones, an existing container's, then the next free;
 * and room in the network for the new containers. */
static int up_addresses(struct up_run *r)
{
	struct eb_ctx *c = &r->c;
	char ipb[16];
	int i;

	r->want = calloc(r->n ? r->n : 1, sizeof(*r->want));
	if (!r->want)
		return -ENOMEM;
	for (i = 0; i < r->n; i++) {
		struct eb_endpoint *have = ctx_find_name(c, r->ctrs[i].name);

		r->want[i] = r->ctrs[i].ip ? r->ctrs[i].ip : have ? have->ip : 0;
	}
	for (i = 0; i < r->n; i++) {
		struct taken_ctx t = { .c = c, .extra = r->want, .nextra = r->n };

		if (r->want[i])
			continue;
		r->want[i] = eb_next_free_ip(c->cfg.subnet, c->cfg.prefix_len, c->cfg.gateway,
					     ip_taken, &t);
		if (!r->want[i]) {
			eb_errf(r->e, "no free address left in %s/%d for '%s'",
				eb_ip_str(c->cfg.subnet, ipb), c->cfg.prefix_len, r->ctrs[i].name);
			return -ENOSPC;
		}
	}
	r->work = calloc(EB_UP_BATCH, sizeof(*r->work));
	if (!r->work)
		return -ENOMEM;
	if (c->neps + r->n > EB_MAX_ENDPOINTS) {
		int fresh = 0;

		for (i = 0; i < r->n; i++)
			fresh += !ctx_find_name(c, r->ctrs[i].name);
		if (c->neps + fresh > EB_MAX_ENDPOINTS) {
			eb_errf(r->e, "network '%s' would have %d containers; it holds at most %d",
				r->o->net, c->neps + fresh, EB_MAX_ENDPOINTS);
			return -ENOSPC;
		}
	}
	return 0;
}

/* Container i of the request into r->work: a whole one is left alone, a
 * half-made or broken one torn down and made again, a new one made. */
static int up_prepare_one(struct up_run *r, int i)
{
	struct eb_ctx *c = &r->c;
	struct eb_endpoint *have, *slot, ep = {};
	int err;

	have = ctx_find_name(c, r->ctrs[i].name);
	if (have && ctr_healthy(c, have))
		return 0;
	if (have) {
		/* Left halfway by an earlier run, or broken since: redo it. */
		ep = *have;
		err = ctr_teardown(c, have, true);
		if (err)
			return err;
		if (ep.flood_slot < EB_MAX_ENDPOINTS)
			c->slot_used[ep.flood_slot] = 0;
	} else {
		ep.flood_slot = EB_MAX_ENDPOINTS;
	}
	ep.ip = r->want[i];
	snprintf(ep.name, sizeof(ep.name), "%s", r->ctrs[i].name);
	if (!have || !ep.host_dev[0]) {
		err = pick_host_dev(c, ep.name, ep.host_dev);
		if (err)
			return err;
	}
	eb_mac_for(ep.ip, false, ep.mac);
	eb_mac_for(ep.ip, true, ep.host_mac);
	if (!have && c->neps >= EB_MAX_ENDPOINTS)
		return 0; /* counted by up_addresses: cannot happen */
	slot = have ? have : &c->eps[c->neps++];
	*slot = ep;
	r->work[r->nwork].ep = slot;
	err = ctr_prepare(c, &r->work[r->nwork]);
	if (err)
		return err;
	r->nwork++;
	return 0;
}

/* In batches: prepare (records, namespaces, veth pairs), then finish
 * (programs, addresses, up). A batch keeps a socket open in each of its
 * containers' namespaces. */
static int up_containers(struct up_run *r)
{
	int err;

	for (int i = 0; i <= r->n; i++) {
		if (r->nwork == EB_UP_BATCH || (i == r->n && r->nwork)) {
			err = ctx_ready(&r->c);
			if (!err)
				err = finish_batch(&r->c, r->work, r->nwork);
			r->nwork = 0;
			if (err)
				return err;
		}
		if (i == r->n)
			break;
		err = up_prepare_one(r, i);
		if (err)
			return err;
	}
	return 0;
}

/* What comes after the containers: the hooks (if the programs were still
 * loading), the names, repairs of an existing network's ports, IPv6. */
static int up_finish(struct up_run *r)
{
	struct eb_ctx *c = &r->c;
	int err;

	err = ctx_ready(c);
	if (!err)
		err = eb_names_sync(c->net, c->eps, c->neps, c->cfg.gateway, &r->o->names, r->e);
	if (!err && r->exists)
		err = ports_repair(c);
	if (!err)
		err = ipv6_sync(c, r->o);
	return err;
}

/* A new network whose programs did not load: nothing of it stays, as when
 * they loaded before any container was made. */
static void up_undo_new(struct up_run *r)
{
	struct eb_ctx *c = &r->c;
	struct eb_endpoint **eps = calloc(c->neps > 0 ? (size_t)c->neps : 1, sizeof(*eps));
	struct eb_err ignored = {};

	c->e = &ignored;
	for (int i = 0; eps && i < c->neps; i++)
		eps[i] = &c->eps[i];
	if (eps)
		ctrs_teardown(c, eps, c->neps, false, false);
	free(eps);
	if (c->cfg.flags & EB_CFG_UPLINK_CLSACT)
		eb_dp_detach_uplink_clsact(c->net, c->cfg.uplink_ifindex,
					   (c->cfg.flags & EB_CFG_UPLINK_QDISC) &&
						   !uplink_shared(c->net, c->cfg.uplink_ifindex));
	ctx_close(c);
	eb_dp_destroy(r->o->net);
}

/* The steps of `up`, in order; each says why itself (in e). */
static int up_steps(struct up_run *r)
{
	int err;

	if (r->exists) {
		err = up_check_existing(r);
		if (!err)
			err = up_add_broken(r);
	} else {
		err = up_settle_new(r);
	}
	if (!err)
		err = validate_up(r->o, r->ctrs, r->n, &r->cfg, r->exists ? &r->c : NULL, r->e);
	if (!err)
		err = ipv6_check(r->o, &r->cfg, r->exists, r->e);
	if (!err)
		err = ipv6_check_ctrs(r->o, r->ctrs, r->n, r->exists ? &r->c : NULL, r->e);
	if (!err)
		err = up_check_room(r);
	if (!err && !r->exists)
		err = up_create(r);
	if (!err)
		err = up_settings(r);
	if (!err)
		err = up_addresses(r);
	if (!err)
		err = ipv6_plan(&r->c, r->o, r->ctrs, r->want, r->n);
	if (!err)
		err = up_containers(r);
	if (!err)
		err = up_finish(r);
	return err;
}

int eb_up(const struct eb_up_opts *o, const struct eb_ctr_req *ctrs, int n, struct eb_err *e)
{
	struct up_run r = {
		.o = o,
		.ctrs = ctrs,
		.n = n,
		.sizes = { o->ct_tcp_size ? o->ct_tcp_size : EB_DEFAULT_CT_TCP,
			   o->ct_other_size ? o->ct_other_size : EB_DEFAULT_CT_OTHER },
		.e = e,
	};
	int lock, err;

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
	ctx_zero(&r.c);
	err = eb_dp_mount_bpffs(e);
	if (!err) {
		r.exists = eb_dp_exists(o->net);
		err = up_steps(&r);
	}
	for (int i = 0; i < r.nwork; i++)
		ctr_work_close(&r.work[i]);
	if (err && !r.exists && r.c.load_failed)
		up_undo_new(&r);
	free(r.work);
	free(r.want);
	free(r.req);
	eb_nl_close(&r.nl);
	ctx_close(&r.c);
	eb_unlock(lock);
	return err;
}
