// SPDX-License-Identifier: GPL-2.0
/*
 * Networks and containers: what `ebnet up`, `rm`, `down` and `ls` do.
 *
 * State lives in the pinned maps only. A container's record in eb_endpoints
 * is written first, as an intent, and marked EB_EP_READY last: a run that
 * stops halfway leaves a record that the next `up` redoes (same address)
 * and that `rm` and `down` know how to remove.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "ebnet.h"
#include "health.h"
#include "orphans.h"
#include "checks.h"
#include "netns.h"
#include "nl.h"
#include "ebnet_pub.h"
#include "net_priv.h"

/* lo: the first device of every network namespace (the kernel's
 * LOOPBACK_IFINDEX). */
#define EB_LOOPBACK_IFINDEX 1
#include <sys/socket.h>
#include <libmnl/libmnl.h>

int eb_lock(struct eb_err *e)
{
	int fd = open(EB_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		int err = -errno;

		eb_errf(e, "cannot open the lock file '%s': %s", EB_LOCK_FILE, strerror(-err));
		return err;
	}
	if (flock(fd, LOCK_EX) < 0) {
		int err = -errno;

		close(fd);
		eb_errf(e, "cannot lock '%s': %s", EB_LOCK_FILE, strerror(-err));
		return err;
	}
	return fd;
}

void eb_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* All records of eb_endpoints; returns the count or a negative errno. */
int load_endpoints(int fd, struct eb_endpoint *out, int max)
{
	struct eb_ip_key key, next;
	void *prev = NULL;
	int n = 0;

	while (n < max && bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &out[n]) == 0)
			n++;
		key = next;
		prev = &key;
	}
	return n;
}

int open_endpoints_of(const char *net)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%.63s/%s", EB_PIN_ROOT, net, EB_MAP_ENDPOINTS);
	return bpf_obj_get(p);
}

int eb_net_list(char names[][64], int max)
{
	struct dirent *de;
	DIR *d = opendir(EB_PIN_ROOT);
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= 64)
			continue;
		snprintf(names[n++], 64, "%s", de->d_name);
	}
	closedir(d);
	/* Stable order for people and scripts. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char t[64];

			memcpy(t, names[j], 64);
			memcpy(names[j], names[j - 1], 64);
			memcpy(names[j - 1], t, 64);
		}
	return n;
}

int eb_find_container(const char *name, char *net, size_t netlen, struct eb_endpoint *ep)
{
	/* Reentrant (the Docker driver calls it from its threads). */
	struct eb_endpoint *scratch = calloc(EB_MAX_ENDPOINTS, sizeof(*scratch));
	char nets[EB_MAX_NETS][64];
	int nn = eb_net_list(nets, EB_MAX_NETS), i, j, n, fd, err = -ENOENT;

	if (!scratch)
		return -ENOMEM;
	for (i = 0; i < nn && err; i++) {
		fd = open_endpoints_of(nets[i]);
		if (fd < 0)
			continue;
		n = load_endpoints(fd, scratch, EB_MAX_ENDPOINTS);
		close(fd);
		for (j = 0; j < n; j++) {
			if (strncmp(scratch[j].name, name, EB_NAME_LEN) == 0) {
				if (net)
					snprintf(net, netlen, "%s", nets[i]);
				if (ep)
					*ep = scratch[j];
				err = 0;
				break;
			}
		}
	}
	free(scratch);
	return err;
}

bool eb_net_is_here(const char *net)
{
	char p[PATH_MAX];
	__u64 cookie;
	__u32 kind;
	int fd, sk;
	bool here = false;

	snprintf(p, sizeof(p), "%s/%s/%s", EB_PIN_ROOT, net, EB_MAP_NETNS);
	fd = bpf_obj_get(p);
	if (fd < 0)
		return false;
	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk >= 0) {
		socklen_t len = sizeof(cookie);

		if (getsockopt(sk, SOL_SOCKET, 71 /* SO_NETNS_COOKIE */, &cookie, &len) == 0 &&
		    bpf_map_lookup_elem(fd, &cookie, &kind) == 0)
			here = kind == EB_NS_HOST;
		close(sk);
	}
	close(fd);
	return here;
}

/* ---- one network's working set ---- */

struct eb_endpoint *ctx_find_name(struct eb_ctx *c, const char *name)
{
	for (int i = 0; i < c->neps; i++)
		if (strncmp(c->eps[i].name, name, EB_NAME_LEN) == 0)
			return &c->eps[i];
	return NULL;
}

struct eb_endpoint *ctx_find_ip(struct eb_ctx *c, uint32_t ip)
{
	for (int i = 0; i < c->neps; i++)
		if (c->eps[i].ip == ip)
			return &c->eps[i];
	return NULL;
}

static int ctx_write_cfg(struct eb_ctx *c)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(c->dp.cfg, &zero, &c->cfg, BPF_ANY) < 0) {
		int err = -errno;

		eb_errf(c->e, "cannot write map '%s': %s", EB_MAP_CONFIG, strerror(-err));
		return err;
	}
	return 0;
}

static int ctx_put_ep(struct eb_ctx *c, const struct eb_endpoint *ep)
{
	struct eb_ip_key k = { .addr = ep->ip };
	struct eb_ifindex_key pk = { .ifindex = ep->ifindex };

	if (bpf_map_update_elem(c->dp.endpoints, &k, ep, BPF_ANY) < 0)
		goto fail;
	if (ep->ifindex && bpf_map_update_elem(c->dp.ports, &pk, ep, BPF_ANY) < 0)
		goto fail;
	return 0;
fail:
	eb_errf(c->e, "cannot record container '%s' in the endpoint maps: %s%s", ep->name,
		strerror(errno), errno == E2BIG ? " (the network is full)" : "");
	return -errno;
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71 /* Linux 5.14 */
#endif

/* The cookie of the network namespace a socket lives in. */
static int sock_netns_cookie(int fd, __u64 *cookie)
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
		if (ep->ifindex)
			eb_ct_forget(&c->dp, 0, 0, 0, ep->ifindex);
		ipv6_forget(c, ep);
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

static int ctr_teardown(struct eb_ctx *c, struct eb_endpoint *ep, bool keep_record)
{
	return ctrs_teardown(c, &ep, 1, keep_record, true);
}

static bool ctr_healthy(struct eb_ctx *c, const struct eb_endpoint *ep)
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

#define EB_UP_BATCH 128 /* containers prepared at once: two fds each */

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
	struct eb_link hl, cl;
	struct eb_mac_key mk = {};
	struct eb_fdb_entry fdb;
	int err, slot;
	__u32 uslot;

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

	/* 2. Its namespace and veth pair, both ends down. A new namespace
	 * gets its socket while ebnet is in it; one left by an earlier run
	 * is entered, and loses an old eth0. */
	if (ep->flags & EB_EP_ATTACHED) {
		/* Another tool's namespace, opened by the caller; its devices
		 * stay as they are, so the peer's name must be free. */
		struct eb_nl *pnl = &c->nl;

		if (w->nsfd >= 0)
			TRY(eb_nl_open_in(&w->cnl, w->nsfd), "cannot talk to the namespace of '%s': %s",
			    ep->name, strerror(-err));
		if (!w->host_peer)
			pnl = &w->cnl;
		if (eb_nl_link_get(pnl, w->peer, &cl) == 0) {
			err = -EEXIST;
			eb_errf(c->e, "a device named '%s' exists already %s", w->peer,
				w->host_peer ? "in this namespace" : "in the namespace to attach");
			goto out;
		}
	} else if (!eb_netns_exists(ep->name)) {
		TRY(eb_netns_create(ep->name, open_inside, w), "cannot create namespace '%s': %s",
		    ep->name, strerror(-err));
	} else {
		w->nsfd = eb_netns_open(ep->name);
		if (w->nsfd < 0) {
			err = w->nsfd;
			eb_errf(c->e, "cannot open namespace '%s': %s", ep->name, strerror(-err));
			goto out;
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

	/* 3. The datapath knows the port before it carries a packet. */
	slot = ep->flood_slot < EB_MAX_ENDPOINTS && !c->slot_used[ep->flood_slot]
		       ? (c->slot_used[ep->flood_slot] = 1, (int)ep->flood_slot)
		       : alloc_slot(c);
	if (slot < 0) {
		err = slot;
		eb_errf(c->e, "the network '%s' is full (%d containers)", c->net, EB_MAX_ENDPOINTS);
		goto out;
	}
	ep->flood_slot = slot;
	err = ctx_put_ep(c, ep); /* says why itself */
	if (err)
		goto out;
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
		goto out;
	}
	if ((__u32)slot + 1 > c->cfg.flood_max) {
		c->cfg.flood_max = slot + 1;
		err = ctx_write_cfg(c);
		if (err)
			goto out;
	}
	err = 0;
out:
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
static int finish_batch(struct eb_ctx *c, struct ctr_work *work, int n)
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

/* SNAT ports stay out of the host's own ephemeral range
 * (net.ipv4.ip_local_port_range of the namespace ebnet runs in), so that a
 * NAT binding and a connection of the host's never share a tuple. */
/* Networks of this host that translate to the same address must not
 * hand out the same ports: replies would reach whichever network's uplink
 * program runs first. The first such network gets the larger gap around
 * the host's ephemeral range; each further one a slice of EB_NAT_SLICE
 * ports that no other holds (ports count per destination, so a slice is
 * that many flows to one server:port). A given range must not overlap. */
#define EB_NAT_SLICE 4096
static int choose_nat_range(const struct eb_up_opts *o, struct eb_config *cfg, struct eb_err *e)
{
	char nets[EB_MAX_NETS][64];
	uint16_t held[EB_MAX_NETS][2];
	unsigned int lo = 32768, hi = 60999;
	int nn = eb_net_list(nets, EB_MAX_NETS), nh = 0, best_len = 0;
	FILE *f;

	for (int i = 0; i < nn; i++) {
		char p[PATH_MAX + 128];
		struct eb_config oc;
		__u32 zero = 0;
		int fd;

		if (!strcmp(nets[i], o->net) || !eb_net_is_here(nets[i]))
			continue;
		snprintf(p, sizeof(p), "%s/%.63s/%s", EB_PIN_ROOT, nets[i], EB_MAP_CONFIG);
		fd = bpf_obj_get(p);
		if (fd < 0)
			continue;
		if (bpf_map_lookup_elem(fd, &zero, &oc) == 0 && oc.snat_ip == cfg->snat_ip &&
		    oc.snat_ip) {
			held[nh][0] = oc.nat_port_min;
			held[nh][1] = oc.nat_port_max;
			if (o->nat_port_min && o->nat_port_min <= oc.nat_port_max &&
			    oc.nat_port_min <= o->nat_port_max) {
				char a[16];

				eb_errf(e, "--nat-ports %u-%u overlaps network '%s' (%u-%u), which "
					   "also translates to %s",
					o->nat_port_min, o->nat_port_max, nets[i], oc.nat_port_min,
					oc.nat_port_max, eb_ip_str(oc.snat_ip, a));
				close(fd);
				return -EADDRINUSE;
			}
			nh++;
		}
		close(fd);
	}
	if (o->nat_port_min) {
		cfg->nat_port_min = o->nat_port_min;
		cfg->nat_port_max = o->nat_port_max;
		return 0;
	}
	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (f) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2)
			lo = 32768, hi = 60999;
		fclose(f);
	}
	/* The ranges a network may take, first fit: most of the low gap (a
	 * big range keeps a lone network fast: with few ports, a busy client
	 * reuses each within a second), then slices of EB_NAT_SLICE ports of
	 * the rest of it and of the high gap. */
	{
		uint32_t g0lo = 1024, g0hi = lo > 1024 ? lo - 1 : 0, g1lo = hi + 1, g1hi = 65535;
		uint32_t sl[8][2];
		int ns = 0;

		if (g0hi > g0lo + 2 * EB_NAT_SLICE) {
			sl[ns][0] = g0lo, sl[ns++][1] = g0hi - 2 * EB_NAT_SLICE;
			sl[ns][0] = g0hi - 2 * EB_NAT_SLICE + 1, sl[ns++][1] = g0hi - EB_NAT_SLICE;
			sl[ns][0] = g0hi - EB_NAT_SLICE + 1, sl[ns++][1] = g0hi;
		} else if (g0hi > g0lo) {
			sl[ns][0] = g0lo, sl[ns++][1] = g0hi;
		}
		for (uint32_t st = g1lo; st <= g1hi && ns < 8; st += EB_NAT_SLICE) {
			sl[ns][0] = st;
			sl[ns++][1] = st + EB_NAT_SLICE - 1 > g1hi ? g1hi : st + EB_NAT_SLICE - 1;
		}
		for (int i = 0; i < ns && !best_len; i++) {
			bool taken = false;

			for (int k = 0; k < nh && !taken; k++)
				taken = held[k][0] <= sl[i][1] && sl[i][0] <= held[k][1];
			if (!taken && sl[i][1] - sl[i][0] + 1 >= 256) {
				best_len = sl[i][1] - sl[i][0] + 1;
				cfg->nat_port_min = sl[i][0];
				cfg->nat_port_max = sl[i][1];
			}
		}
	}
	if (best_len < 256) {
		eb_errf(e, "no free NAT port range left on this uplink's address; give one with "
			   "--nat-ports LOW-HIGH apart from the other networks' (`ebnet ls`)");
		return -EADDRINUSE;
	}
	return 0;
}

/*
 * eb_from_uplink on the uplink, once per network; `up` heals it. The
 * uplink is known by its name (eb_uplink): a device deleted and made again
 * under that name (a driver reload, a VPN or bond re-created, a NIC
 * hot-plugged) has a new ifindex and MAC, which the config gets, and the
 * program is attached to it again. So is a program that went missing (a
 * tcx link of the old device, a clsact filter removed) or that another one
 * took the place of. A missing uplink is a warning: the containers still
 * reach each other and the host.
 */
static int ensure_uplink(struct eb_ctx *c)
{
	struct eb_link l;
	bool clsact = false, made = false;
	char name[16], why[160], ipb[16];
	int err;

	if (!c->cfg.uplink_ifindex || !c->cfg.snat_ip)
		return 0;
	if (eb_uplink_find(c->net, &c->nl, &c->cfg, &l, name)) {
		snprintf(c->e->warn, sizeof(c->e->warn),
			 "the uplink '%s' of network '%s' is missing: no traffic to or from the "
			 "outside until it is back and `ebnet up` runs",
			 name[0] ? name : "?", c->net);
		return 0;
	}
	eb_uplink_name_set(c->net, name);
	if (eb_uplink_state(c->net, &c->nl, &c->cfg, why, sizeof(why)))
		return 0;
	if ((__u32)l.ifindex != c->cfg.uplink_ifindex) {
		/* Made again: the old device's links are dead. */
		if (eb_nl_addr_on_link(&c->nl, l.ifindex, c->cfg.snat_ip) <= 0) {
			eb_errf(c->e, "the uplink '%s' of network '%s' was made again without the "
				      "address %s that the network translates to; add it, or `ebnet "
				      "down --net %s` and up again",
				name, c->net, eb_ip_str(c->cfg.snat_ip, ipb), c->net);
			return -EADDRNOTAVAIL;
		}
		c->cfg.uplink_ifindex = l.ifindex;
		memcpy(c->cfg.uplink_mac, l.mac, 6);
		c->cfg.flags &= ~EB_CFG_UPLINK_QDISC;
		eb_dp_detach_xdp(c->net);
		c->cfg.flags &= ~EB_CFG_XDP;
		err = ctx_write_cfg(c);
		if (err)
			return err;
	}
	err = eb_dp_attach_uplink(&c->dp, c->net, l.ifindex, l.name, c->uplink_attach, &clsact,
				  &made, c->e);
	if (err)
		return err;
	c->cfg.flags &= ~EB_CFG_UPLINK_CLSACT;
	if (clsact)
		c->cfg.flags |= EB_CFG_UPLINK_CLSACT;
	if (made)
		c->cfg.flags |= EB_CFG_UPLINK_QDISC;
	return ctx_write_cfg(c);
}

/* Is eb_xdp_uplink attached to the uplink the config names? A pinned link
 * of a device that is gone is dropped. */
static bool xdp_live(struct eb_ctx *c)
{
	__u32 ifindex = 0, id = 0;

	if (eb_link_pin_target(c->net, EB_LINK_PIN_XDP, &ifindex, &id))
		return false;
	if (ifindex == c->cfg.uplink_ifindex)
		return true;
	eb_dp_detach_xdp(c->net);
	return false;
}

/* GRO on a container's eth0: with XDP on the uplink, frames come to it as
 * XDP frames (bpf_redirect from XDP into the host-side veth), which a veth
 * takes only on its NAPI path, and GRO turns that on. */
static int ctr_gro(struct eb_endpoint *ep)
{
	int nsfd = eb_netns_open(ep->name), err;

	if (nsfd < 0)
		return nsfd;
	/* A no-op when it is on already: every `up` of a network with XDP
	 * comes here, and a change would restart eth0's NAPI under traffic.
	 * (GRO must have been turned on while eth0 was up; see ctr_finish.) */
	err = eb_set_gro_in(nsfd, "eth0", true);
	close(nsfd);
	return err;
}

/* Which XDP mode the network has: the one asked for, else the recorded one. */
static enum eb_xdp_mode xdp_mode(const struct eb_ctx *c, enum eb_xdp_mode want)
{
	if (want != EB_XDP_KEEP)
		return want;
	if (c->cfg.flags & EB_CFG_XDP_NATIVE)
		return EB_XDP_NATIVE;
	if (c->cfg.flags & EB_CFG_XDP_AUTO)
		return EB_XDP_AUTO;
	/* The default: off. Measured on a veth uplink (docs/BENCHMARKS.md),
	 * XDP gains nothing over TC where it does the work and costs
	 * throughput, and on a NIC it is not measured
	 * here; `--xdp auto` or `native` turn it on. */
	return EB_XDP_OFF;
}

/*
 * eb_xdp_uplink on the uplink, in front of eb_from_uplink (which stays and
 * takes whatever XDP passes). auto attaches it where the driver runs XDP
 * natively (a veth excepted), and otherwise says why in e->warn and goes on
 * with TC alone; native makes that an error; off (the default) removes it.
 * Idempotent; `up` heals it.
 */
static bool uplink_shared(const char *net, __u32 ifindex);

static int ensure_xdp(struct eb_ctx *c, enum eb_xdp_mode want)
{
	enum eb_xdp_mode mode = xdp_mode(c, want);
	__u32 flags = c->cfg.flags &
		      ~(EB_CFG_XDP_OFF | EB_CFG_XDP_NATIVE | EB_CFG_XDP_AUTO | EB_CFG_XDP);
	struct eb_link l;
	int err;

	if (!c->cfg.uplink_ifindex || !c->cfg.snat_ip)
		return 0;
	if (mode == EB_XDP_OFF) {
		err = eb_dp_detach_xdp(c->net);
		if (err) {
			eb_errf(c->e, "cannot remove the XDP link of network '%s': %s", c->net,
				strerror(-err));
			return err;
		}
		c->cfg.flags = flags | EB_CFG_XDP_OFF;
		return ctx_write_cfg(c);
	}
	flags |= mode == EB_XDP_NATIVE ? EB_CFG_XDP_NATIVE : EB_CFG_XDP_AUTO;
	if (!xdp_live(c)) {
		err = eb_nl_link_get_index(&c->nl, c->cfg.uplink_ifindex, &l);
		if (err) {
			eb_errf(c->e, "the uplink of network '%s' (ifindex %u) is gone", c->net,
				c->cfg.uplink_ifindex);
			return err;
		}
		if (mode == EB_XDP_AUTO && !strcmp(l.kind, "veth")) {
			/* A veth uplink (a host that is itself a container, a
			 * test bed): frames from local sockets reach it with
			 * partial checksums, which XDP cannot finish, so it
			 * would pass them all to TC at a cost. Measured in
			 * docs/BENCHMARKS.md; `--xdp native` forces it. */
			c->cfg.flags = flags;
			return ctx_write_cfg(c);
		}
		err = eb_dp_attach_xdp(&c->dp, c->net, l.ifindex, l.name, c->e);
		if (err && mode == EB_XDP_NATIVE) {
			snprintf(c->e->msg + strlen(c->e->msg), sizeof(c->e->msg) - strlen(c->e->msg),
				 "; `--xdp auto` falls back to TC, `--xdp off` uses TC only");
			return err;
		}
		if (err) {
			snprintf(c->e->warn, sizeof(c->e->warn),
				 "no XDP on the uplink (%.150s); published ports and replies go "
				 "through TC",
				 c->e->msg);
			c->e->msg[0] = 0;
			c->cfg.flags = flags;
			return ctx_write_cfg(c);
		}
	}
	/* Containers made before XDP came need GRO (NAPI) on eth0 too. */
	for (int i = 0; i < c->neps; i++)
		if ((c->eps[i].flags & (EB_EP_READY | EB_EP_ATTACHED)) == EB_EP_READY)
			ctr_gro(&c->eps[i]);
	c->cfg.flags = flags | EB_CFG_XDP;
	return ctx_write_cfg(c);
}

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

/* ---- commands ---- */

void ctx_zero(struct eb_ctx *c)
{
	memset(c, 0, sizeof(*c));
	eb_dp_init(&c->dp);
}

int ctx_open(struct eb_ctx *c, const char *net, bool create, const struct eb_dp_sizes *sz,
	     bool verbose, struct eb_err *e)
{
	__u32 zero = 0;
	int err;

	ctx_zero(c);
	c->net = net;
	c->e = e;
	eb_dp_init(&c->dp);
	c->eps = calloc(EB_MAX_ENDPOINTS, sizeof(*c->eps));
	if (!c->eps)
		return -ENOMEM;
	err = eb_nl_open(&c->nl);
	if (err) {
		eb_errf(e, "cannot open a netlink socket: %s", strerror(-err));
		return err;
	}
	err = create ? eb_dp_ensure_begin(net, &c->dp, sz, verbose, e) : eb_dp_open(net, &c->dp, e);
	/* The programs of a new network may still be loading: ctx_ready()
	 * waits for them. Otherwise they are opened here. */
	if (!err && create && !c->dp.pending)
		err = eb_dp_ensure_end(net, &c->dp, e);
	if (err)
		return err;
	bpf_map_lookup_elem(c->dp.cfg, &zero, &c->cfg);
	ctx_reload(c);
	return 0;
}

void ctx_close(struct eb_ctx *c)
{
	eb_dp_close(&c->dp);
	eb_nl_close(&c->nl);
	free(c->eps);
	c->eps = NULL;
}

bool ctx_ip_taken(struct eb_ctx *c, uint32_t ip)
{
	return ip == c->cfg.gateway || ctx_find_ip(c, ip);
}

void ctx_reload(struct eb_ctx *c)
{
	c->neps = load_endpoints(c->dp.endpoints, c->eps, EB_MAX_ENDPOINTS);
	memset(c->slot_used, 0, sizeof(c->slot_used));
	for (int i = 0; i < c->neps; i++)
		if (c->eps[i].flood_slot < EB_MAX_ENDPOINTS && c->eps[i].ifindex)
			c->slot_used[c->eps[i].flood_slot] = 1;
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

/*
 * How container ports get their program. A port is a host-side veth that
 * ebnet creates and owns alone, so the hook needs no sharing: by default it
 * gets a clsact qdisc and a direct-action bpf filter. tcx would wait for an
 * RCU grace period under the rtnl lock on every attach (tcx_entry_sync(),
 * 10-15 ms each on our 2-vCPU VM, and they cannot overlap): `ebnet up` of
 * 100 containers took ~1.5 s with tcx against ~0.3 s with clsact, and the
 * `ip` script baseline ~1.15 s (docs/BENCHMARKS.md, containers_100). The
 * uplink, a device the host's other tools share, keeps tcx where the kernel
 * has it (uplink_attach). --attach tcx (EBNET_ATTACH=tcx) still forces tcx
 * on ports, --attach clsact forces clsact everywhere; a network made with
 * either remembers it (EB_CFG_TCX, EB_CFG_CLSACT) for containers added
 * later. Every port records its own mode (EB_EP_CLSACT), so a network may
 * hold both: upgrade, repair and removal go by that record.
 */
enum eb_attach ports_attach(enum eb_attach asked, __u32 cfg_flags)
{
	if (asked != EB_ATTACH_AUTO)
		return asked;
	return (cfg_flags & EB_CFG_TCX) ? EB_ATTACH_TCX : EB_ATTACH_CLSACT;
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

/* Everything about the request is checked before anything is changed. */
static int validate_up(const struct eb_up_opts *o, const struct eb_ctr_req *ctrs, int n,
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
		eb_config_defaults(&cfg, cfg.subnet, cfg.prefix_len, o->ct_tcp_size, o->ct_other_size);
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

int eb_rm(const char *net, char **names, int n, struct eb_err *e)
{
	struct eb_ctx c;
	int lock, err, i;

	lock = eb_lock(e);
	if (lock < 0)
		return lock;
	ctx_zero(&c);
	if (!eb_dp_exists(net)) {
		eb_errf(e, "network '%s' does not exist", net);
		err = -ENOENT;
		goto out;
	}
	err = ctx_open(&c, net, false, NULL, false, e);
	if (err)
		goto out;
	for (i = 0; i < n; i++)
		if (!ctx_find_name(&c, names[i])) {
			eb_errf(e, "no container '%s' in network '%s'", names[i], net);
			err = -ENOENT;
			goto out;
		}
	{
		struct eb_endpoint **eps = calloc(n > 0 ? (size_t)n : 1, sizeof(*eps));
		int k = 0;

		if (!eps) {
			err = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n; i++) {
			struct eb_endpoint *ep = ctx_find_name(&c, names[i]);
			bool twice = false;

			for (int j = 0; j < k && !twice; j++)
				twice = eps[j] == ep;
			if (!twice)
				eps[k++] = ep;
		}
		err = ctrs_teardown(&c, eps, k, false, true);
		free(eps);
	}
out:
	ctx_close(&c);
	eb_unlock(lock);
	return err;
}

/* Does another network use this uplink (and so the clsact qdisc on it)? */
static bool uplink_shared(const char *net, __u32 ifindex)
{
	char nets[EB_MAX_NETS][64];
	int n = eb_net_list(nets, EB_MAX_NETS);

	for (int i = 0; i < n; i++) {
		char p[PATH_MAX + 128];
		struct eb_config cfg;
		__u32 zero = 0;
		int fd;

		if (!strcmp(nets[i], net))
			continue;
		snprintf(p, sizeof(p), "%s/%.63s/%s", EB_PIN_ROOT, nets[i], EB_MAP_CONFIG);
		fd = bpf_obj_get(p);
		if (fd < 0)
			continue;
		if (bpf_map_lookup_elem(fd, &zero, &cfg) == 0 && cfg.uplink_ifindex == ifindex) {
			close(fd);
			return true;
		}
		close(fd);
	}
	return false;
}

int eb_down(const char *net, struct eb_err *e)
{
	struct eb_ctx c;
	char dir[PATH_MAX], cfgpin[PATH_MAX + 32];
	int lock, err = 0, i;

	if (eb_valid_name(net, EB_NAME_LEN)) {
		eb_errf(e, "invalid network name '%s'", net);
		return -EINVAL;
	}
	lock = eb_lock(e);
	if (lock < 0)
		return lock;
	ctx_zero(&c);
	eb_pin_dir(net, dir, sizeof(dir));
	snprintf(cfgpin, sizeof(cfgpin), "%s/%s", dir, EB_MAP_CONFIG);
	if (access(cfgpin, F_OK) < 0) {
		int n;

		/* No maps (the folder removed by hand, bpffs mounted again):
		 * what the network made is found by its names. */
		err = eb_orphans_remove(net, true, &n, e);
		if (err)
			goto out;
		if (access(dir, F_OK) < 0)
			goto out;
	}
	if (access(cfgpin, F_OK) == 0) {
		__u32 zero = 0;

		/* Whatever is there, even of another layout, is removed. */
		err = ctx_open(&c, net, false, NULL, false, e);
		if (err) {
			ctx_close(&c);
			ctx_zero(&c);
			c.net = net;
			c.e = e;
			c.eps = calloc(EB_MAX_ENDPOINTS, sizeof(*c.eps));
			err = eb_nl_open(&c.nl);
			if (err || !c.eps)
				goto out;
			eb_dp_open_lenient(net, &c.dp);
			bpf_map_lookup_elem(c.dp.cfg, &zero, &c.cfg);
			if (c.dp.endpoints >= 0)
				c.neps = load_endpoints(c.dp.endpoints, c.eps, EB_MAX_ENDPOINTS);
			e->msg[0] = 0;
		}
		{
			/* All containers in one batch; their map entries go with
			 * the maps below. */
			struct eb_endpoint **eps = calloc(c.neps ? c.neps : 1, sizeof(*eps));

			if (!eps) {
				err = -ENOMEM;
				goto out;
			}
			for (i = 0; i < c.neps; i++)
				eps[i] = &c.eps[i];
			err = ctrs_teardown(&c, eps, c.neps, false, false);
			free(eps);
			if (err)
				goto out;
		}
		if (c.cfg.flags & EB_CFG_UPLINK_CLSACT)
			eb_dp_detach_uplink_clsact(net, c.cfg.uplink_ifindex,
						   (c.cfg.flags & EB_CFG_UPLINK_QDISC) &&
							   !uplink_shared(net, c.cfg.uplink_ifindex));
		ctx_close(&c);
		{
			/* Ports whose records were lost (a map of another
			 * layout, a record removed by hand). */
			int n;

			err = eb_orphans_remove(net, false, &n, e);
			if (err)
				goto out;
		}
	}
	eb_att_state_del_net(net);
	err = eb_dp_destroy(net);
	{
		char lp[PATH_MAX];

		/* The monitor's lock of this network: nobody can hold it now
		 * that the maps are gone. */
		snprintf(lp, sizeof(lp), "/run/lock/ebnet-monitor-%s.lock", net);
		unlink(lp);
	}
	if (err)
		eb_errf(e, "cannot remove the pins of network '%s' under %s: %s", net, dir,
			strerror(-err));
out:
	ctx_close(&c);
	eb_unlock(lock);
	return err;
}

/* What the kernel charges for a map ("memlock" in its fdinfo). */
static unsigned long long map_memlock(int fd)
{
	char p[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/self/fdinfo/%d", fd);
	f = fopen(p, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int cmp_ep(const void *a, const void *b)
{
	const struct eb_endpoint *x = a, *y = b;

	return ntohl(x->ip) < ntohl(y->ip) ? -1 : ntohl(x->ip) > ntohl(y->ip);
}

int eb_net_info(const char *net, struct eb_net_info *info, struct eb_err *e)
{
	struct eb_dp dp;
	struct eb_nl nl;
	struct eb_link l;
	__u32 zero = 0;
	int err;

	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", net);
	err = eb_dp_open(net, &dp, e);
	if (err)
		return err;
	bpf_map_lookup_elem(dp.cfg, &zero, &info->cfg);
	info->nctr = load_endpoints(dp.endpoints, info->ctr, EB_MAX_ENDPOINTS);
	{
		int fds[] = { dp.cfg, dp.endpoints, dp.ports, dp.fdb, dp.flood, dp.stats,
			      dp.ct_tcp, dp.ct_other };

		for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
			info->map_bytes += map_memlock(fds[i]);
	}
	qsort(info->ctr, info->nctr, sizeof(info->ctr[0]), cmp_ep);
	eb_dp_close(&dp);
	ipv6_info(net, info);
	/* The uplink's hook may differ from the ports' (see ports_attach). */
	if (info->cfg.flags & EB_CFG_UPLINK_CLSACT)
		snprintf(info->uplink_attach, sizeof(info->uplink_attach), "clsact");
	else if (eb_dp_uplink_attached(net))
		snprintf(info->uplink_attach, sizeof(info->uplink_attach), "tcx");
	if (eb_nl_open(&nl) == 0) {
		__u32 want = eb_pinned_prog_id(net, EB_PROG_PIN_CONTAINER);

		if (info->cfg.uplink_ifindex) {
			/* Empty while the device is gone (uplink_state names it). */
			if (eb_nl_link_get_index(&nl, info->cfg.uplink_ifindex, &l) == 0)
				snprintf(info->uplink, sizeof(info->uplink), "%s", l.name);
		}
		if (eb_uplink_state(net, &nl, &info->cfg, info->uplink_state,
				    sizeof(info->uplink_state)))
			snprintf(info->uplink_state, sizeof(info->uplink_state), "%s",
				 info->cfg.uplink_ifindex && info->cfg.snat_ip ? "ok" : "none");
		for (int i = 0; i < info->nctr; i++) {
			char *st = info->ctr_state[i];
			size_t len = sizeof(info->ctr_state[i]);
			char why[sizeof(info->ctr_state[i]) - 16];

			eb_port_state(net, &nl, &info->ctr[i], want, why, sizeof(why));
			if (!why[0])
				snprintf(st, len, "ready");
			else if (!(info->ctr[i].flags & EB_EP_READY))
				snprintf(st, len, "%s", why);
			else
				snprintf(st, len, "degraded: %s", why);
		}
		eb_nl_close(&nl);
	}
	return 0;
}
