// SPDX-License-Identifier: GPL-2.0
/*
 * A container's port: making it (ctr_prepare, then ctr_finish: record,
 * namespace, veth pair, map entries, program, addresses, READY) and
 * removing it (ctrs_teardown, many containers in one device deletion).
 * The order is the intent-first one explained in up.c. Runs under
 * eb_lock(); see net_priv.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <bpf/bpf.h>

#include "ebnet.h"
#include "netns.h"
#include "nl.h"
#include "ebnet_pub.h"
#include "net_priv.h"

/* lo: the first device of every network namespace (the kernel's
 * LOOPBACK_IFINDEX). */
#define EB_LOOPBACK_IFINDEX 1

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71 /* Linux 5.14 */
#endif

/* The cookie of the network namespace a socket lives in. */
int sock_netns_cookie(int fd, __u64 *cookie)
{
	socklen_t len = sizeof(*cookie);

	return getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len) < 0 ? -errno : 0;
}

static void netns_forget(struct eb_ctx *c, const char *name)
{
	struct eb_nl cnl = { 0 };
	__u64 cookie;
	int fd = eb_netns_open(name);

	if (fd < 0)
		return;
	if (eb_nl_open_in(&cnl, fd) == 0) {
		if (sock_netns_cookie(mnl_socket_get_fd(cnl.sock), &cookie) == 0)
			bpf_map_delete_elem(c->dp.netns, &cookie);
		eb_nl_close(&cnl);
	}
	close(fd);
}

/*
 * Removing containers, in three steps so that many of them share one
 * device deletion: deleting a veth pair waits for RCU grace periods under
 * the rtnl lock, ~30 ms a pair here, and one RTM_DELLINK of a device group
 * pays them once for the whole batch (`ebnet down` of 100 containers: ~3 s
 * one by one). With maps false (`down`: the maps go with the pins right
 * after), the map entries are left as they are.
 */
static void ctr_unhook(struct eb_ctx *c, struct eb_endpoint *ep, bool keep_record, bool maps)
{
	/* Its published ports and flows go first: nothing reaches a port
	 * that is going away, and no flow outlives it (a container of the
	 * same name later starts clean). */
	if (maps) {
		if (!keep_record)
			eb_unpublish_container(&c->dp, ep->ip);
		if (ep->ifindex) {
			eb_ct_forget(&c->dp, NULL, ep->ifindex);
			eb_ct6_forget(c->net, NULL, ep->ifindex);
		}
		ipv6_forget(c, ep, keep_record);
		if (ep->flags & EB_EP_ATTACHED)
			eb_att_unhook(c, ep);
		else
			netns_forget(c, ep->name);
	}
	eb_dp_detach(c->net, ep->host_dev);
}

/* A group that no device of this namespace is in. */
static int free_group(struct eb_ctx *c, __u32 *group)
{
	for (int tries = 0; tries < 8; tries++) {
		__u32 g = 0;
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		if (read(fd, &g, sizeof(g)) != sizeof(g)) {
			close(fd);
			return -EIO;
		}
		close(fd);
		g |= 0x40000000; /* far from the small numbers people give groups */
		g &= 0x7fffffff;
		if (eb_nl_group_used(&c->nl, g) == 0) {
			*group = g;
			return 0;
		}
	}
	return -EBUSY;
}

/* Deletes the host-side devices of eps (and so their peers): in one batch
 * when there are several, through a device group of their own. */
static int ctrs_del_devices(struct eb_ctx *c, struct eb_endpoint **eps, int n)
{
	int *idx = calloc(n > 0 ? (size_t)n : 1, sizeof(*idx)), m = 0, err = 0, i;
	struct eb_link l;
	__u32 group = 0;

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		idx[i] = eb_nl_link_get(&c->nl, eps[i]->host_dev, &l) == 0 ? (m++, l.ifindex) : 0;
	if (m > 1 && free_group(c, &group) == 0) {
		bool grouped = true;

		for (i = 0; i < n && grouped; i++)
			if (idx[i] && eb_nl_link_set_group(&c->nl, idx[i], group))
				grouped = false;
		/* A refusal leaves the rest to the one-by-one pass below. */
		if (grouped)
			eb_nl_group_del(&c->nl, group);
	}
	/* One by one: a single device, or what the batch left. */
	for (i = 0; i < n; i++) {
		if (!idx[i] || eb_nl_link_get(&c->nl, eps[i]->host_dev, &l))
			continue;
		err = eb_nl_link_del(&c->nl, l.ifindex);
		if (err && err != -ENODEV) {
			eb_errf(c->e, "cannot delete device '%s' of container '%s': %s",
				eps[i]->host_dev, eps[i]->name, strerror(-err));
			break;
		}
		err = 0;
	}
	free(idx);
	return err;
}

static int ctr_remove_rest(struct eb_ctx *c, struct eb_endpoint *ep, bool keep_record, bool maps)
{
	struct eb_mac_key mk = {};
	struct eb_ifindex_key pk = { .ifindex = ep->ifindex };
	struct eb_ip_key k = { .addr = ep->ip };
	struct eb_fdb_entry fdb;
	__u32 slot = ep->flood_slot, cur;
	int err;

	if (maps) {
		memcpy(mk.mac, ep->mac, 6);
		if (bpf_map_lookup_elem(c->dp.fdb, &mk, &fdb) == 0 && fdb.ifindex == ep->ifindex)
			bpf_map_delete_elem(c->dp.fdb, &mk);
		if (ep->ifindex)
			bpf_map_delete_elem(c->dp.ports, &pk);
		if (slot < EB_MAX_ENDPOINTS && bpf_map_lookup_elem(c->dp.flood, &slot, &cur) == 0 &&
		    cur == ep->ifindex && cur) {
			cur = 0;
			bpf_map_update_elem(c->dp.flood, &slot, &cur, BPF_ANY);
			/* Its counters go with it (the slot is its, as the check
			 * says). */
			eb_dp_ctr_zero(&c->dp, slot);
		}
	}
	/* An attachment's namespace is its runtime's: only its state goes. */
	if (ep->flags & EB_EP_ATTACHED)
		eb_att_state_del(c->net, ep->name);
	err = ep->flags & EB_EP_ATTACHED ? 0 : eb_netns_delete(ep->name);
	if (err) {
		eb_errf(c->e, "cannot remove namespace '%s': %s", ep->name, strerror(-err));
		return err;
	}
	eb_names_resolv_remove(ep->name);
	if (!keep_record && maps) {
		bpf_map_delete_elem(c->dp.endpoints, &k);
		eb_names_forget(c->net, ep);
	}
	return 0;
}

/* Removes everything of the containers eps but, when keep_record, their
 * records (and with maps false, their map entries: see above). */
int ctrs_teardown(struct eb_ctx *c, struct eb_endpoint **eps, int n, bool keep_record, bool maps)
{
	int i, err;

	for (i = 0; i < n; i++)
		ctr_unhook(c, eps[i], keep_record, maps);
	err = ctrs_del_devices(c, eps, n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		err = ctr_remove_rest(c, eps[i], keep_record, maps);
		if (err)
			return err;
	}
	return 0;
}

int ctr_teardown(struct eb_ctx *c, struct eb_endpoint *ep, bool keep_record)
{
	return ctrs_teardown(c, &ep, 1, keep_record, true);
}

bool ctr_healthy(struct eb_ctx *c, const struct eb_endpoint *ep)
{
	struct eb_link l;

	if (!(ep->flags & EB_EP_READY) ||
	    (!(ep->flags & EB_EP_ATTACHED) && !eb_netns_exists(ep->name)))
		return false;
	/* A missing or foreign program is attached again by ports_repair(),
	 * with no need to remake the container. */
	return eb_nl_link_get(&c->nl, ep->host_dev, &l) == 0 && l.ifindex == (int)ep->ifindex;
}

static int alloc_slot(struct eb_ctx *c)
{
	for (int i = 0; i < EB_MAX_ENDPOINTS; i++)
		if (!c->slot_used[i]) {
			c->slot_used[i] = 1;
			return i;
		}
	return -ENOSPC;
}

/* The kernel's own words on a refused netlink request (its extended ACK),
 * after ebnet's: "cannot add ...: File exists (kernel: ...)". */
static void err_extack(struct eb_err *e)
{
	size_t n = strlen(e->msg);

	if (eb_nl_extack()[0] && n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, " (kernel: %s)", eb_nl_extack());
}

#define TRY(call, ...)                                                                             \
	do {                                                                                       \
		err = (call);                                                                      \
		if (err) {                                                                         \
			eb_errf(c->e, __VA_ARGS__);                                                \
			err_extack(c->e);                                                          \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)

static int open_inside(void *arg)
{
	struct ctr_work *w = arg;

	w->nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (w->nsfd < 0)
		return -errno;
	return eb_nl_open(&w->cnl);
}

void ctr_work_close(struct ctr_work *w)
{
	eb_nl_close(&w->cnl);
	if (w->nsfd >= 0)
		close(w->nsfd);
	w->nsfd = -1;
}

/* Step 2a: the container's namespace, and a netlink socket in it. A new
 * namespace gets its socket while ebnet is in it; one left by an earlier
 * run is entered, and loses an old eth0. An attachment's namespace is
 * another tool's, opened by the caller; its devices stay as they are, so
 * the peer's name must be free. */
static int ctr_enter_ns(struct eb_ctx *c, struct ctr_work *w)
{
	struct eb_endpoint *ep = w->ep;
	struct eb_link cl;
	int err = 0;

	if (ep->flags & EB_EP_ATTACHED) {
		struct eb_nl *pnl = &c->nl;

		if (w->nsfd >= 0)
			TRY(eb_nl_open_in(&w->cnl, w->nsfd), "cannot talk to the namespace of '%s': %s",
			    ep->name, strerror(-err));
		if (!w->host_peer)
			pnl = &w->cnl;
		if (eb_nl_link_get(pnl, w->peer, &cl) == 0) {
			eb_errf(c->e, "a device named '%s' exists already %s", w->peer,
				w->host_peer ? "in this namespace" : "in the namespace to attach");
			return -EEXIST;
		}
	} else if (!eb_netns_exists(ep->name)) {
		TRY(eb_netns_create(ep->name, open_inside, w), "cannot create namespace '%s': %s",
		    ep->name, strerror(-err));
	} else {
		w->nsfd = eb_netns_open(ep->name);
		if (w->nsfd < 0) {
			err = w->nsfd;
			eb_errf(c->e, "cannot open namespace '%s': %s", ep->name, strerror(-err));
			return err;
		}
		TRY(eb_nl_open_in(&w->cnl, w->nsfd), "cannot talk to namespace '%s': %s", ep->name,
		    strerror(-err));
		if (eb_nl_link_get(&w->cnl, "eth0", &cl) == 0)
			eb_nl_link_del(&w->cnl, cl.ifindex);
	}
	{
		__u64 cookie;
		__u32 kind = EB_NS_CONTAINER;

		/* Hairpin: its own connections to published ports. */
		if (w->cnl.sock && sock_netns_cookie(mnl_socket_get_fd(w->cnl.sock), &cookie) == 0 &&
		    bpf_map_update_elem(c->dp.netns, &cookie, &kind, BPF_ANY) == 0)
			w->cookie = cookie;
	}
out:
	return err;
}

/* Step 2b: the veth pair, both ends down, the host end named as the
 * network's (its alias) and, for clsact, given its qdisc now. */
static int ctr_make_veth(struct eb_ctx *c, struct ctr_work *w)
{
	struct eb_endpoint *ep = w->ep;
	struct eb_link hl, cl;
	int err;

	TRY(eb_nl_veth_add_mtu(&c->nl, ep->host_dev, ep->host_mac, w->peer, ep->mac,
			       w->host_peer ? -1 : w->nsfd, c->mtu),
	    "cannot create the veth pair '%s' for container '%s': %s", ep->host_dev, ep->name,
	    strerror(-err));
	TRY(eb_nl_link_get(&c->nl, ep->host_dev, &hl), "cannot find the new device '%s': %s",
	    ep->host_dev, strerror(-err));
	ep->ifindex = hl.ifindex;
	{
		/* Whose port this is, on the device itself: `down` finds the
		 * network's devices by it even when its pins are gone. */
		char alias[EB_NAME_LEN * 2 + 8];

		snprintf(alias, sizeof(alias), "ebnet:%s:%s", c->net, ep->name);
		TRY(eb_nl_link_set_alias(&c->nl, hl.ifindex, alias),
		    "cannot name the device '%s' of container '%s': %s", ep->host_dev, ep->name,
		    strerror(-err));
	}
	TRY(eb_nl_link_get(w->host_peer ? &c->nl : &w->cnl, w->peer, &cl),
	    "no %s in namespace '%s': %s", w->peer, ep->name, strerror(-err));
	w->eth0 = cl.ifindex;
	if (c->port_attach == EB_ATTACH_CLSACT)
		TRY(eb_dp_clsact_prepare(ep->ifindex), "cannot add a clsact qdisc to '%s': %s",
		    ep->host_dev, strerror(-err));
	err = 0;
out:
	return err;
}

/* Step 3: the datapath knows the port before it carries a packet: its
 * slot, its record by port, the FDB, the flood list. */
static int ctr_map_port(struct eb_ctx *c, struct ctr_work *w)
{
	struct eb_endpoint *ep = w->ep;
	struct eb_mac_key mk = {};
	struct eb_fdb_entry fdb;
	int err, slot;
	__u32 uslot;

	slot = ep->flood_slot < EB_MAX_ENDPOINTS && !c->slot_used[ep->flood_slot]
		       ? (c->slot_used[ep->flood_slot] = 1, (int)ep->flood_slot)
		       : alloc_slot(c);
	if (slot < 0) {
		eb_errf(c->e, "the network '%s' is full (%d containers)", c->net, EB_MAX_ENDPOINTS);
		return slot;
	}
	ep->flood_slot = slot;
	err = ctx_put_ep(c, ep); /* says why itself */
	if (err)
		return err;
	memcpy(mk.mac, ep->mac, 6);
	fdb.ifindex = ep->ifindex;
	fdb.slot = slot;
	uslot = slot;
	/* A new container's counters start at 0, whoever had the slot. */
	if (eb_dp_ctr_zero(&c->dp, uslot) < 0 ||
	    bpf_map_update_elem(c->dp.fdb, &mk, &fdb, BPF_ANY) < 0 ||
	    bpf_map_update_elem(c->dp.flood, &uslot, &ep->ifindex, BPF_ANY) < 0) {
		err = -errno;
		eb_errf(c->e, "cannot write the FDB of container '%s': %s", ep->name,
			strerror(-err));
		return err;
	}
	if ((__u32)slot + 1 > c->cfg.flood_max) {
		c->cfg.flood_max = slot + 1;
		return ctx_write_cfg(c);
	}
	return 0;
}

/* Steps 1-3 of making a container: its record, namespace, veth pair (down)
 * and map entries. ctr_finish() attaches the program and brings it up.
 * `up` prepares a batch of containers, then finishes them: the programs of
 * a new network load in the meantime (eb_dp_ensure_begin). (Attaching
 * many ports from threads was tried: tcx attaches wait for an RCU grace
 * period under RTNL, so the waits do not overlap; that is why ports use
 * clsact by default, see ports_attach().) */
int ctr_prepare(struct eb_ctx *c, struct ctr_work *w)
{
	struct eb_endpoint *ep = w->ep;
	int err;

	memset(&w->cnl, 0, sizeof(w->cnl));
	if (!(ep->flags & EB_EP_ATTACHED)) {
		w->nsfd = -1;
		w->peer = "eth0";
	}
	/* 1. The intent: from here on, up/rm/down know this container. */
	ep->flags &= EB_EP_ATTACHED;
	ep->ifindex = 0;
	err = ctx_put_ep(c, ep);
	if (err)
		return err;
	/* 2. Its namespace and veth pair, both ends down. */
	err = ctr_enter_ns(c, w);
	if (!err)
		err = ctr_make_veth(c, w);
	/* 3. Its map entries. */
	if (!err)
		err = ctr_map_port(c, w);
	if (err)
		ctr_work_close(w);
	return err;
}

/* The rest: the program, then host side and container side, then READY. */
int ctr_finish(struct eb_ctx *c, struct ctr_work *w)
{
	struct eb_endpoint *ep = w->ep;
	uint32_t gw = c->cfg.gateway;
	struct eb_nl *cnl = &w->cnl;
	char ipb[16];
	bool clsact = false;
	int err;

	err = eb_dp_attach(&c->dp, c->net, ep->ifindex, ep->host_dev, c->port_attach, &clsact,
			   c->e);
	if (err)
		goto out;

	/* 4. Host side: the gateway address, up, a route and a neighbour. */
	eb_nl_link_port_conf(&c->nl, ep->ifindex);
	TRY(eb_nl_addr_add(&c->nl, ep->ifindex, gw, 32, true),
	    "cannot add the gateway address %s to '%s': %s", eb_ip_str(gw, ipb), ep->host_dev,
	    strerror(-err));
	TRY(eb_nl_link_up(&c->nl, ep->ifindex), "cannot set '%s' up: %s", ep->host_dev,
	    strerror(-err));
	TRY(eb_nl_route_add(&c->nl, ep->ip, 32, 0, ep->ifindex, gw),
	    "cannot add the route to %s via '%s': %s", eb_ip_str(ep->ip, ipb), ep->host_dev,
	    strerror(-err));
	TRY(eb_nl_neigh_add(&c->nl, ep->ifindex, ep->ip, ep->mac),
	    "cannot add the neighbour entry of %s: %s", eb_ip_str(ep->ip, ipb), strerror(-err));

	/* 5. Container side: lo, eth0 with its address, the default route.
	 * An attachment's peer is its runtime's to configure, unless asked:
	 * lo too is the runtime's (CNI's loopback plugin). */
	if ((ep->flags & EB_EP_ATTACHED) && (w->host_peer || !w->configure))
		goto ready;
	if (!(ep->flags & EB_EP_ATTACHED))
		TRY(eb_nl_link_up(cnl, EB_LOOPBACK_IFINDEX), "cannot set lo up in '%s': %s",
		    ep->name, strerror(-err));
	/* An ebnet network is IPv4: eth0 makes no IPv6 link-local address. */
	eb_nl_link_no_ipv6(cnl, w->eth0);
	TRY(eb_nl_addr_add(cnl, w->eth0, ep->ip, c->cfg.prefix_len, false),
	    "cannot add %s to %s of '%s': %s", eb_ip_str(ep->ip, ipb), w->peer, ep->name,
	    strerror(-err));
	TRY(eb_nl_link_up(cnl, w->eth0), "cannot set %s of '%s' up: %s", w->peer, ep->name,
	    strerror(-err));
	/* After up: GRO turned on while a veth is down does not give its
	 * peer the "takes XDP frames" feature (6.18 here), and redirects
	 * from XDP then fail with EOPNOTSUPP. */
	if (c->cfg.flags & EB_CFG_XDP)
		TRY(eb_set_gro_in(w->nsfd, w->peer, true),
		    "cannot turn GRO on for eth0 of '%s': %s", ep->name, strerror(-err));
	TRY(eb_nl_route_add(cnl, 0, 0, gw, w->eth0, 0),
	    "cannot add the default route of '%s': %s", ep->name, strerror(-err));
ready:
	ep->flags = (ep->flags & EB_EP_ATTACHED) | EB_EP_READY | (clsact ? EB_EP_CLSACT : 0);
	err = ctx_put_ep(c, ep);
	if (!err)
		err = eb_names_put(c->net, ep, gw, c->e);
out:
	ctr_work_close(w);
	return err;
}

/* Finishes the prepared containers of work; on an error, closes the rest. */
int finish_batch(struct eb_ctx *c, struct ctr_work *work, int n)
{
	uint32_t ips[EB_UP_BATCH], ifs[EB_UP_BATCH];
	int i, err = 0, done = 0;

	for (i = 0; i < n; i++) {
		if (err) {
			ctr_work_close(&work[i]);
			continue;
		}
		err = ctr_finish(c, &work[i]);
		if (!err && done < EB_UP_BATCH) {
			ips[done] = work[i].ep->ip;
			ifs[done++] = work[i].ep->ifindex;
		}
	}
	/* A container made again keeps its published ports, on its new
	 * port: one pass over the published map for the batch. */
	eb_published_reindex_many(&c->dp, ips, ifs, done);
	return err;
}

/* The host-side device name of a new container: "eb" + a hash of its
 * name, or of "name#N" when that one is taken (hashes of different names
 * can collide), by a device of this namespace or another container. */
int pick_host_dev(struct eb_ctx *c, const char *name, char out[EB_IFNAME_LEN])
{
	char seed[EB_NAME_LEN + 8];
	struct eb_link l;

	for (int n = 0; n < 64; n++) {
		bool taken = false;

		if (n)
			snprintf(seed, sizeof(seed), "%s#%d", name, n);
		else
			snprintf(seed, sizeof(seed), "%s", name);
		eb_host_dev_name(seed, out);
		for (int i = 0; i < c->neps && !taken; i++)
			taken = !strcmp(c->eps[i].host_dev, out);
		if (!taken && eb_nl_link_get(&c->nl, out, &l) == -ENOENT)
			return 0;
	}
	eb_errf(c->e, "no free device name for container '%s'", name);
	return -EEXIST;
}
