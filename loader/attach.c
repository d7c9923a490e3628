// SPDX-License-Identifier: GPL-2.0
/*
 * Attachments: ports of a network for namespaces that another tool made
 * (`ebnet attach`, the CNI plugin, the Docker driver); see ebnet.h.
 *
 * The port itself is made by the steps `up` uses (ctr_prepare/ctr_finish in
 * container.c) and removed by the same teardown. What the maps cannot hold (the
 * runtime's id, which may be longer than a record's name, its label, the
 * namespace path, the namespace's cookie) is in a state file per
 * attachment, STATE/attach/NET/NAME, written atomically (temporary file,
 * fsync, rename). The order makes every stop halfway repairable: the state
 * file goes first on attach and last but the record on removal; a record
 * without a state file, a state file without a record, and a record not
 * marked ready (under the lock: an attach that stopped) are all reclaimed
 * by the next attach or GC.
 *
 * Here: eb_attach, as a list of named steps (at the end), and what
 * reclaims attachments. The state files are in attach_state.c, removals in
 * detach.c, eb_attach_check in attach_check.c (attach_priv.h).
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "attach_priv.h"
#include "ebnet_names.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

/* Is the record's port still there? A namespace that goes takes the veth
 * pair with it, so its host end is the namespace's life sign (for a peer
 * left in this namespace too: its host end is there until removed). */
bool att_alive(struct eb_nl *nl, const struct eb_endpoint *ep)
{
	struct eb_link l;

	if (!(ep->flags & EB_EP_READY) || !ep->ifindex)
		return false;
	return eb_nl_link_get(nl, ep->host_dev, &l) == 0 && l.ifindex == (int)ep->ifindex;
}

/* A name for the record of id: id itself when it is a valid name, else a
 * readable part of it and a hash ("b705e713fa3d7e5e386-1a2b3c4d"), another
 * hash on a collision. taken by another id, here or in another network,
 * is refused. */
static int att_name(struct eb_ctx *c, const char *id, char out[EB_NAME_LEN])
{
	char seed[EB_ATTACH_ID_MAX + 8], hash[16], pre[20], onet[64];
	struct att_state s;
	size_t i, k;

	if (eb_valid_name(id, EB_NAME_LEN) == 0) {
		struct eb_endpoint *ep = ctx_find_name(c, id);

		snprintf(out, EB_NAME_LEN, "%s", id);
		if ((ep && !(ep->flags & EB_EP_ATTACHED)) ||
		    (!ep && eb_find_container(id, onet, sizeof(onet), NULL) == 0)) {
			eb_errf(c->e, "container '%s' exists already%s%s; pick another name", id,
				ep ? "" : " in network ", ep ? "" : onet);
			return -EEXIST;
		}
		if (ep && (att_state_read(c->net, id, &s) == 0 && strcmp(s.id, id))) {
			eb_errf(c->e, "name '%s' is taken by attachment '%s'", id, s.id);
			return -EEXIST;
		}
		return 0;
	}
	for (i = 0, k = 0; id[i] && k < sizeof(pre) - 1; i++) {
		char ch = id[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.';

		if (!k && (ch == '-' || ch == '.'))
			continue;
		pre[k++] = ok ? ch : '_';
	}
	pre[k] = 0;
	for (int n = 0; n < 64; n++) {
		if (n)
			snprintf(seed, sizeof(seed), "%s#%d", id, n);
		else
			snprintf(seed, sizeof(seed), "%s", id);
		eb_host_dev_name(seed, hash); /* "eb" + 8 hex digits */
		snprintf(out, EB_NAME_LEN, "%s-%.8s", k ? pre : "att", hash + 2);
		if (ctx_find_name(c, out) || eb_find_container(out, onet, sizeof(onet), NULL) == 0)
			continue;
		if (att_state_read(c->net, out, &s) == 0 && strcmp(s.id, id))
			continue;
		return 0;
	}
	eb_errf(c->e, "no free name for attachment '%s'", id);
	return -EEXIST;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= 16 || !strcmp(s, ".") || !strcmp(s, ".."))
		return -EINVAL;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s == ' ' || (unsigned char)*s < 0x21 ||
		    (unsigned char)*s >= 0x7f)
			return -EINVAL;
	return 0;
}

/* Removes the records of c (by index) in one teardown. */
int att_remove(struct eb_ctx *c, struct eb_endpoint **eps, int n)
{
	int err;

	if (!n)
		return 0;
	err = ctrs_teardown(c, eps, n, false, true);
	ctx_reload(c);
	return err;
}

/* Under the lock: the attachments of c whose namespace is gone (see
 * att_alive), or, when keep is given, of owner and not listed; state files
 * without a record go too. Returns how many attachments went. */
int att_gc(struct eb_ctx *c, const char *owner, const char *const *keep, int nkeep)
{
	struct eb_endpoint **eps = calloc(c->neps ? c->neps : 1, sizeof(*eps));
	char dir[PATH_MAX];
	struct att_state s;
	struct dirent *de;
	int n = 0, err;
	bool have_dir;
	DIR *d;

	if (!eps)
		return -ENOMEM;
	att_dir(c->net, dir, sizeof(dir));
	/* A live record without a state file is one whose attach stopped
	 * between the two, unless there is no state dir of the network at
	 * all: then this caller's EBNET_STATE_DIR is likely not the one the
	 * attachments were made with, and only dead ones go. */
	have_dir = access(dir, F_OK) == 0;
	for (int i = 0; i < c->neps; i++) {
		struct eb_endpoint *ep = &c->eps[i];
		bool go, have_state;

		if (!(ep->flags & EB_EP_ATTACHED))
			continue;
		have_state = att_state_read(c->net, ep->name, &s) == 0;
		go = (!have_state && have_dir) || !att_alive(&c->nl, ep);
		if (!go && have_state && keep && (!owner || !strcmp(s.owner, owner))) {
			go = true;
			for (int k = 0; k < nkeep && go; k++)
				go = strcmp(keep[k], s.id) != 0;
		}
		if (go)
			eps[n++] = ep;
	}
	err = att_remove(c, eps, n);
	free(eps);
	if (err)
		return err;
	/* State files whose record is gone (a stop between the two). */
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= EB_NAME_LEN)
			continue;
		if (!ctx_find_name(c, de->d_name))
			eb_att_state_del(c->net, de->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

static bool ip_taken_cb(uint32_t ip, void *c)
{
	return ctx_ip_taken(c, ip);
}

/* Opens a namespace path and makes sure it is a network namespace and not
 * this one. */
int att_open_netns(const char *path, struct eb_err *e)
{
	struct stat a, b;
	struct statfs fs;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int err = -errno;

		eb_errf(e, "cannot open the network namespace '%s': %s", path, strerror(-err));
		return err;
	}
	if (fstatfs(fd, &fs) < 0 || fs.f_type != NSFS_MAGIC) {
		close(fd);
		eb_errf(e, "'%s' is not a namespace (want /run/netns/NAME or /proc/PID/ns/net)",
			path);
		return -EINVAL;
	}
	if (fstat(fd, &a) == 0 && stat("/proc/thread-self/ns/net", &b) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
		close(fd);
		eb_errf(e, "'%s' is the namespace ebnet runs in, not a container's", path);
		return -EINVAL;
	}
	return fd;
}

static void fill_res(struct eb_ctx *c, const struct eb_endpoint *ep, const struct att_state *s,
		     struct eb_attach_res *res)
{
	memset(res, 0, sizeof(*res));
	snprintf(res->name, sizeof(res->name), "%s", ep->name);
	res->ip = ep->ip;
	res->gateway = c->cfg.gateway;
	res->plen = c->cfg.prefix_len;
	memcpy(res->mac, ep->mac, 6);
	memcpy(res->host_mac, ep->host_mac, 6);
	snprintf(res->host_ifname, sizeof(res->host_ifname), "%s", ep->host_dev);
	res->host_ifindex = ep->ifindex;
	res->netns_cookie = s->cookie;
}

struct att_ip6 {
	uint8_t addr[16], gateway[16];
	int plen;
};

/* The attachment's IPv6 when the network has it, configured inside as its
 * IPv4 is (only when asked, and not for a peer left in this namespace). */
static int att_ipv6(struct eb_ctx *c, const struct eb_endpoint *ep, const struct eb_attach_req *r,
		    const struct att_state *s, struct att_ip6 *out)
{
	int nsfd = -1, err;

	if (r->netns && !s->host_peer && r->configure) {
		nsfd = att_open_netns(r->netns, c->e);
		if (nsfd < 0)
			return nsfd;
	}
	err = ipv6_attach(c, ep, nsfd, s->ifname, r->ip6, out->addr, &out->plen, out->gateway);
	if (nsfd >= 0)
		close(nsfd);
	return err;
}

/* One eb_attach: what its steps share. */
struct att_run {
	const struct eb_up_opts *o;
	const struct eb_attach_req *r;
	struct eb_attach_res *res;
	struct eb_err *e;
	const char *ifname; /* the peer's name: r->ifname or "eth0" */
	int nsfd;	    /* r->netns opened (-1: none), until the work owns it */
	uint32_t ip;	    /* r->ip, an earlier attachment's, or a free one */
	struct att_state s;
	struct eb_ctx c;
	struct eb_endpoint ep;	  /* the new record, until it has its slot */
	struct eb_endpoint *slot; /* ...in c.eps */
	struct ctr_work w;
	struct att_ip6 ip6;
};

/* The request alone, before anything changes; r->netns opened, the state
 * to write filled in. */
static int att_check_req(struct att_run *a)
{
	const struct eb_attach_req *r = a->r;
	struct att_state *s = &a->s;

	if (!r->id || !*r->id || strlen(r->id) >= EB_ATTACH_ID_MAX || !printable(r->id)) {
		eb_errf(a->e, "invalid attachment id '%s': want 1 to %d printable characters",
			r->id ? r->id : "", EB_ATTACH_ID_MAX - 1);
		return -EINVAL;
	}
	if (valid_ifname(a->ifname)) {
		eb_errf(a->e, "invalid interface name '%s': want 1 to 15 characters, no '/', ':' or "
			      "spaces",
			a->ifname);
		return -EINVAL;
	}
	if (r->netns) {
		a->nsfd = att_open_netns(r->netns, a->e);
		if (a->nsfd < 0)
			return a->nsfd;
	}
	snprintf(s->id, sizeof(s->id), "%s", r->id);
	snprintf(s->owner, sizeof(s->owner), "%s", r->owner ? r->owner : "attach");
	snprintf(s->label, sizeof(s->label), "%s", r->label && printable(r->label) ? r->label : "");
	snprintf(s->netns, sizeof(s->netns), "%s", r->netns ? r->netns : "");
	snprintf(s->ifname, sizeof(s->ifname), "%s", a->ifname);
	s->host_peer = !r->netns || r->host_peer;
	return 0;
}

/* The network, made or checked against o as `ebnet up` does (before the
 * lock: eb_up takes it), then opened under the lock (*lock) and made
 * ready for a new port. */
static int att_open(struct att_run *a, int *lock)
{
	struct eb_dp_sizes sizes = { a->o->ct_tcp_size, a->o->ct_other_size };
	struct eb_ctx *c = &a->c;
	int err;

	err = eb_up(a->o, NULL, 0, a->e);
	if (err)
		return err;
	*lock = eb_lock(a->e);
	if (*lock < 0)
		return *lock;
	err = ctx_open(c, a->o->net, true, &sizes, a->o->verbose, a->e);
	if (err)
		return err;
	c->port_attach = ports_attach(a->o->attach, c->cfg.flags);
	c->uplink_attach = (c->cfg.flags & EB_CFG_CLSACT) ? EB_ATTACH_CLSACT
			   : (c->cfg.flags & EB_CFG_TCX)   ? EB_ATTACH_TCX
							   : EB_ATTACH_AUTO;
	c->xdp = EB_XDP_KEEP;
	err = ctx_ready(c);
	if (err)
		return err;
	/* The MTU `up` gives its own containers (the uplink's by default):
	 * a runtime's container behind a smaller uplink must not get 1500. */
	return up_mtu(c, a->o);
}

/* What runtimes that never send DEL left, then an earlier attachment of
 * the same id: made again, at its address unless told otherwise. */
static int att_reclaim(struct att_run *a)
{
	char oldname[EB_NAME_LEN];
	struct eb_endpoint *old;
	struct att_state olds;
	int err;

	err = att_gc(&a->c, NULL, NULL, 0);
	if (err < 0) {
		eb_errf(a->e, "cannot reclaim the attachments of network '%s' whose namespace is gone",
			a->o->net);
		return err;
	}
	if (att_state_find(a->o->net, a->r->id, oldname, &olds) == 0 &&
	    (old = ctx_find_name(&a->c, oldname))) {
		if (!a->ip)
			a->ip = old->ip;
		return att_remove(&a->c, &old, 1);
	}
	return 0;
}

/* The address: the one asked for, if it is a free host address of the
 * network, or the first free one; and room for one more container. */
static int att_pick_ip(struct att_run *a)
{
	const struct eb_config *cfg = &a->c.cfg;
	char ipb[16], netb[16];

	if (a->ip) {
		struct eb_endpoint *owner = ctx_find_ip(&a->c, a->ip);

		if (!eb_ip_is_host(a->ip, cfg->subnet, cfg->prefix_len) || a->ip == cfg->gateway) {
			eb_errf(a->e, "address %s is not a free host address of network '%s' (%s/%d, "
				      "gateway %s)",
				eb_ip_str(a->ip, ipb), a->o->net, eb_ip_str(cfg->subnet, netb),
				cfg->prefix_len, eb_ip_str(cfg->gateway, ipb + 0));
			return -EINVAL;
		}
		if (owner) {
			eb_errf(a->e, "address %s is taken by container '%s'", eb_ip_str(a->ip, ipb),
				owner->name);
			return -EADDRINUSE;
		}
	} else {
		a->ip = eb_next_free_ip(cfg->subnet, cfg->prefix_len, cfg->gateway, ip_taken_cb,
					&a->c);
		if (!a->ip) {
			eb_errf(a->e, "no free address left in network '%s' (%s/%d)", a->o->net,
				eb_ip_str(cfg->subnet, netb), cfg->prefix_len);
			return -ENOSPC;
		}
	}
	if (a->c.neps >= EB_MAX_ENDPOINTS) {
		eb_errf(a->e, "network '%s' is full (%d containers)", a->o->net, EB_MAX_ENDPOINTS);
		return -ENOSPC;
	}
	return 0;
}

/* The new record: its name, host device, address and MACs. */
static int att_new_ep(struct att_run *a)
{
	struct eb_endpoint *ep = &a->ep;
	int err;

	err = att_name(&a->c, a->r->id, ep->name);
	if (!err)
		err = pick_host_dev(&a->c, ep->name, ep->host_dev);
	if (err)
		return err;
	ep->ip = a->ip;
	ep->flood_slot = EB_MAX_ENDPOINTS;
	ep->flags = EB_EP_ATTACHED;
	if (a->r->mac)
		memcpy(ep->mac, a->r->mac, 6);
	else
		eb_mac_for(a->ip, false, ep->mac);
	eb_mac_for(a->ip, true, ep->host_mac);
	return 0;
}

/* Removes the new attachment after a failure; the first error, in e
 * already, is the one to tell. */
static void att_undo(struct att_run *a)
{
	struct eb_err ignored = {};

	a->c.e = &ignored;
	att_remove(&a->c, &a->slot, 1);
	a->c.e = a->e;
}

/* The port, as `up` makes one, and its IPv6. The state first: a stop from
 * here on leaves what att_gc() knows. */
static int att_make(struct att_run *a)
{
	struct eb_ctx *c = &a->c;
	struct ctr_work *w = &a->w;
	int err;

	err = att_state_write(a->o->net, a->ep.name, &a->s, a->e);
	if (err)
		return err;
	a->slot = &c->eps[c->neps++];
	*a->slot = a->ep;
	w->ep = a->slot;
	w->nsfd = a->nsfd; /* the work owns it now */
	a->nsfd = -1;
	w->peer = a->ifname;
	w->host_peer = a->s.host_peer;
	w->configure = a->r->configure;
	err = ctr_prepare(c, w);
	if (!err)
		err = ctr_finish(c, w);
	if (!err) {
		a->s.cookie = w->cookie;
		err = att_state_write(a->o->net, a->slot->name, &a->s, a->e);
	}
	if (!err)
		err = att_ipv6(c, a->slot, a->r, &a->s, &a->ip6);
	if (err) {
		/* Nothing of it stays. */
		ctr_work_close(w);
		att_undo(a);
	}
	return err;
}

/* What the caller is told, and the aliases it asked for (a map that cannot
 * be written undoes the attachment). */
static int att_finish(struct att_run *a)
{
	struct eb_attach_res *res = a->res;
	int err;

	fill_res(&a->c, a->slot, &a->s, res);
	memcpy(res->ip6, a->ip6.addr, 16);
	memcpy(res->gateway6, a->ip6.gateway, 16);
	res->plen6 = a->ip6.plen;
	err = eb_names_add_aliases(a->o->net, a->slot, a->r->aliases, a->r->naliases,
				   res->aliases_skipped, sizeof(res->aliases_skipped), a->e);
	if (err)
		att_undo(a);
	return err;
}

/* The steps of eb_attach, in order; each says why itself (in e). */
int eb_attach(const struct eb_up_opts *o, const struct eb_attach_req *r,
	      struct eb_attach_res *res, struct eb_err *e)
{
	struct att_run a = {
		.o = o,
		.r = r,
		.res = res,
		.e = e,
		.ifname = r->ifname && *r->ifname ? r->ifname : "eth0",
		.nsfd = -1,
		.ip = r->ip,
		.w = { .nsfd = -1 },
	};
	int lock = -1, err;

	ctx_zero(&a.c);
	err = att_check_req(&a);
	if (err)
		return err;
	err = att_open(&a, &lock);
	if (!err)
		err = att_reclaim(&a);
	if (!err)
		err = att_pick_ip(&a);
	if (!err)
		err = att_new_ep(&a);
	if (!err)
		err = att_make(&a);
	if (!err)
		err = att_finish(&a);
	if (a.nsfd >= 0)
		close(a.nsfd);
	ctx_close(&a.c);
	eb_unlock(lock);
	return err;
}
