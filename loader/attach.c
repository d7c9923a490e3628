// SPDX-License-Identifier: GPL-2.0
/*
 * Attachments: ports of a network for namespaces that another tool made
 * (`ebnet attach`, the CNI plugin, the Docker driver); see ebnet.h.
 *
 * The port itself is made by the steps `up` uses (ctr_prepare/ctr_finish in
 * net.c) and removed by the same teardown. What the maps cannot hold (the
 * runtime's id, which may be longer than a record's name, its label, the
 * namespace path, the namespace's cookie) is in a state file per
 * attachment, STATE/attach/NET/NAME, written atomically (temporary file,
 * fsync, rename). The order makes every stop halfway repairable: the state
 * file goes first on attach and last but the record on removal; a record
 * without a state file, a state file without a record, and a record not
 * marked ready (under the lock: an attach that stopped) are all reclaimed
 * by the next attach or GC.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <arpa/inet.h>
#include <linux/pkt_cls.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ebnet.h"
#include "net_priv.h"
#include "ebnet_names.h"
#include "netns.h"
#include "nl.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

const char *eb_state_dir(char *buf, size_t len)
{
	const char *d = getenv(EB_STATE_DIR_ENV);

	snprintf(buf, len, "%s", d && *d ? d : EB_DEFAULT_STATE_DIR);
	return buf;
}

static void att_dir(const char *net, char *buf, size_t len)
{
	char sd[PATH_MAX - 128];

	snprintf(buf, len, "%s/attach/%s", eb_state_dir(sd, sizeof(sd)), net);
}

/* What a state file holds. */
struct att_state {
	char id[EB_ATTACH_ID_MAX];
	char owner[16];
	char label[EB_LABEL_MAX];
	char netns[256];
	char ifname[16];
	bool host_peer;
	unsigned long long cookie;
};

static int state_write(const char *net, const char *name, const struct att_state *s,
		       struct eb_err *e)
{
	char dir[PATH_MAX], p[PATH_MAX + 64], tmp[PATH_MAX + 96];
	FILE *f;
	int err, fd;

	att_dir(net, dir, sizeof(dir));
	err = eb_mkdir_p(dir, 0700);
	if (err) {
		eb_errf(e, "cannot create the state dir '%s': %s (set %s to move it)", dir,
			strerror(-err), EB_STATE_DIR_ENV);
		return err;
	}
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d", dir, name, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		eb_errf(e, "cannot write '%s': %s", tmp, strerror(-err));
		return err;
	}
	fprintf(f, "id=%s\nowner=%s\nlabel=%s\nnetns=%s\nifname=%s\nhost_peer=%d\ncookie=%llu\n",
		s->id, s->owner, s->label, s->netns, s->ifname, s->host_peer, s->cookie);
	if (fflush(f) || fsync(fd)) {
		err = -errno;
		fclose(f);
		unlink(tmp);
		eb_errf(e, "cannot write '%s': %s", tmp, strerror(-err));
		return err;
	}
	fclose(f);
	if (rename(tmp, p) < 0) {
		err = -errno;
		unlink(tmp);
		eb_errf(e, "cannot rename '%s' to '%s': %s", tmp, p, strerror(-err));
		return err;
	}
	return 0;
}

static int state_read(const char *net, const char *name, struct att_state *s)
{
	char dir[PATH_MAX], p[PATH_MAX + 64], line[512];
	FILE *f;

	memset(s, 0, sizeof(*s));
	att_dir(net, dir, sizeof(dir));
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *v;

		line[strcspn(line, "\n")] = 0;
		if (!eq)
			continue;
		*eq = 0;
		v = eq + 1;
		if (!strcmp(line, "id"))
			snprintf(s->id, sizeof(s->id), "%s", v);
		else if (!strcmp(line, "owner"))
			snprintf(s->owner, sizeof(s->owner), "%s", v);
		else if (!strcmp(line, "label"))
			snprintf(s->label, sizeof(s->label), "%s", v);
		else if (!strcmp(line, "netns"))
			snprintf(s->netns, sizeof(s->netns), "%s", v);
		else if (!strcmp(line, "ifname"))
			snprintf(s->ifname, sizeof(s->ifname), "%s", v);
		else if (!strcmp(line, "host_peer"))
			s->host_peer = atoi(v) != 0;
		else if (!strcmp(line, "cookie"))
			s->cookie = strtoull(v, NULL, 10);
	}
	fclose(f);
	return s->id[0] ? 0 : -EINVAL;
}

void eb_att_state_del(const char *net, const char *name)
{
	char dir[PATH_MAX], p[PATH_MAX + 64];

	att_dir(net, dir, sizeof(dir));
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
}

void eb_att_state_del_net(const char *net)
{
	char dir[PATH_MAX], p[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	att_dir(net, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

void eb_att_unhook(struct eb_ctx *c, const struct eb_endpoint *ep)
{
	struct att_state s;
	__u64 cookie;

	/* Namespace cookies are never reused: deleting one of a namespace
	 * that is gone harms nobody. */
	if (state_read(c->net, ep->name, &s) == 0 && s.cookie) {
		cookie = s.cookie;
		bpf_map_delete_elem(c->dp.netns, &cookie);
	}
}

/* The name (in the state dir) of the attachment of id in net, or -ENOENT. */
static int state_find(const char *net, const char *id, char name[EB_NAME_LEN],
		      struct att_state *out)
{
	char dir[PATH_MAX];
	struct att_state s;
	struct dirent *de;
	int err = -ENOENT;
	DIR *d;

	att_dir(net, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return -ENOENT;
	while (err && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= EB_NAME_LEN)
			continue;
		if (state_read(net, de->d_name, &s) == 0 && !strcmp(s.id, id)) {
			snprintf(name, EB_NAME_LEN, "%s", de->d_name);
			if (out)
				*out = s;
			err = 0;
		}
	}
	closedir(d);
	return err;
}

/* Is the record's port still there? A namespace that goes takes the veth
 * pair with it, so its host end is the namespace's life sign (for a peer
 * left in this namespace too: its host end is there until removed). */
static bool att_alive(struct eb_nl *nl, const struct eb_endpoint *ep)
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
		if (ep && (state_read(c->net, id, &s) == 0 && strcmp(s.id, id))) {
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
		if (state_read(c->net, out, &s) == 0 && strcmp(s.id, id))
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
static int att_remove(struct eb_ctx *c, struct eb_endpoint **eps, int n)
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
static int att_gc(struct eb_ctx *c, const char *owner, const char *const *keep, int nkeep)
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
		have_state = state_read(c->net, ep->name, &s) == 0;
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
static int open_netns(const char *path, struct eb_err *e)
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
		nsfd = open_netns(r->netns, c->e);
		if (nsfd < 0)
			return nsfd;
	}
	err = ipv6_attach(c, ep, nsfd, s->ifname, out->addr, &out->plen, out->gateway);
	if (nsfd >= 0)
		close(nsfd);
	return err;
}

int eb_attach(const struct eb_up_opts *o, const struct eb_attach_req *r,
	      struct eb_attach_res *res, struct eb_err *e)
{
	struct eb_dp_sizes sizes = { o->ct_tcp_size, o->ct_other_size };
	const char *ifname = r->ifname && *r->ifname ? r->ifname : "eth0";
	struct ctr_work w = { .nsfd = -1 };
	struct eb_endpoint ep = {}, *slot, *old = NULL;
	struct att_state s = {}, olds;
	struct att_ip6 ip6 = {};
	char oldname[EB_NAME_LEN], ipb[16], netb[16];
	uint32_t ip = r->ip;
	int lock = -1, nsfd = -1, err;
	struct eb_ctx c;

	ctx_zero(&c);
	if (!r->id || !*r->id || strlen(r->id) >= EB_ATTACH_ID_MAX || !printable(r->id)) {
		eb_errf(e, "invalid attachment id '%s': want 1 to %d printable characters",
			r->id ? r->id : "", EB_ATTACH_ID_MAX - 1);
		return -EINVAL;
	}
	if (valid_ifname(ifname)) {
		eb_errf(e, "invalid interface name '%s': want 1 to 15 characters, no '/', ':' or "
			   "spaces",
			ifname);
		return -EINVAL;
	}
	if (r->netns) {
		nsfd = open_netns(r->netns, e);
		if (nsfd < 0)
			return nsfd;
	}
	snprintf(s.id, sizeof(s.id), "%s", r->id);
	snprintf(s.owner, sizeof(s.owner), "%s", r->owner ? r->owner : "attach");
	snprintf(s.label, sizeof(s.label), "%s", r->label && printable(r->label) ? r->label : "");
	snprintf(s.netns, sizeof(s.netns), "%s", r->netns ? r->netns : "");
	snprintf(s.ifname, sizeof(s.ifname), "%s", ifname);
	s.host_peer = !r->netns || r->host_peer;

	/* The network, made or checked against o, as `ebnet up` does. */
	err = eb_up(o, NULL, 0, e);
	if (err)
		goto out;
	lock = eb_lock(e);
	if (lock < 0) {
		err = lock;
		goto out;
	}
	err = ctx_open(&c, o->net, true, &sizes, o->verbose, e);
	if (err)
		goto out;
	c.port_attach = ports_attach(o->attach, c.cfg.flags);
	c.uplink_attach = (c.cfg.flags & EB_CFG_CLSACT) ? EB_ATTACH_CLSACT
			  : (c.cfg.flags & EB_CFG_TCX)	 ? EB_ATTACH_TCX
							 : EB_ATTACH_AUTO;
	c.xdp = EB_XDP_KEEP;
	err = ctx_ready(&c);
	if (err)
		goto out;
	/* The MTU `up` gives its own containers (the uplink's by default):
	 * a runtime's container behind a smaller uplink must not get 1500. */
	err = up_mtu(&c, o);
	if (err)
		goto out;

	/* What runtimes that never send DEL left, then an earlier attachment
	 * of the same id: made again, at its address unless told otherwise. */
	err = att_gc(&c, NULL, NULL, 0);
	if (err < 0) {
		eb_errf(e, "cannot reclaim the attachments of network '%s' whose namespace is gone",
			o->net);
		goto out;
	}
	if (state_find(o->net, r->id, oldname, &olds) == 0 && (old = ctx_find_name(&c, oldname))) {
		if (!ip)
			ip = old->ip;
		err = att_remove(&c, &old, 1);
		if (err)
			goto out;
	}

	if (ip) {
		struct eb_endpoint *owner = ctx_find_ip(&c, ip);

		if (!eb_ip_is_host(ip, c.cfg.subnet, c.cfg.prefix_len) || ip == c.cfg.gateway) {
			eb_errf(e, "address %s is not a free host address of network '%s' (%s/%d, "
				   "gateway %s)",
				eb_ip_str(ip, ipb), o->net, eb_ip_str(c.cfg.subnet, netb),
				c.cfg.prefix_len, eb_ip_str(c.cfg.gateway, ipb + 0));
			err = -EINVAL;
			goto out;
		}
		if (owner) {
			eb_errf(e, "address %s is taken by container '%s'", eb_ip_str(ip, ipb),
				owner->name);
			err = -EADDRINUSE;
			goto out;
		}
	} else {
		ip = eb_next_free_ip(c.cfg.subnet, c.cfg.prefix_len, c.cfg.gateway,
				     ip_taken_cb, &c);
		if (!ip) {
			eb_errf(e, "no free address left in network '%s' (%s/%d)", o->net,
				eb_ip_str(c.cfg.subnet, netb), c.cfg.prefix_len);
			err = -ENOSPC;
			goto out;
		}
	}
	if (c.neps >= EB_MAX_ENDPOINTS) {
		eb_errf(e, "network '%s' is full (%d containers)", o->net, EB_MAX_ENDPOINTS);
		err = -ENOSPC;
		goto out;
	}
	err = att_name(&c, r->id, ep.name);
	if (!err)
		err = pick_host_dev(&c, ep.name, ep.host_dev);
	if (err)
		goto out;
	ep.ip = ip;
	ep.flood_slot = EB_MAX_ENDPOINTS;
	ep.flags = EB_EP_ATTACHED;
	if (r->mac)
		memcpy(ep.mac, r->mac, 6);
	else
		eb_mac_for(ip, false, ep.mac);
	eb_mac_for(ip, true, ep.host_mac);

	/* The state first: a stop from here on leaves what att_gc() knows. */
	err = state_write(o->net, ep.name, &s, e);
	if (err)
		goto out;
	slot = &c.eps[c.neps++];
	*slot = ep;
	w.ep = slot;
	w.nsfd = nsfd; /* the work owns it now */
	nsfd = -1;
	w.peer = ifname;
	w.host_peer = s.host_peer;
	w.configure = r->configure;
	err = ctr_prepare(&c, &w);
	if (!err)
		err = ctr_finish(&c, &w);
	if (!err) {
		s.cookie = w.cookie;
		err = state_write(o->net, slot->name, &s, e);
	}
	if (!err)
		err = att_ipv6(&c, slot, r, &s, &ip6);
	if (err) {
		struct eb_err ignored = {};

		/* Nothing of it stays; the first error is the one to tell. */
		ctr_work_close(&w);
		c.e = &ignored;
		att_remove(&c, &slot, 1);
		c.e = e;
		goto out;
	}
	fill_res(&c, slot, &s, res);
	memcpy(res->ip6, ip6.addr, 16);
	memcpy(res->gateway6, ip6.gateway, 16);
	res->plen6 = ip6.plen;
	err = eb_names_add_aliases(o->net, slot, r->aliases, r->naliases, res->aliases_skipped,
				   sizeof(res->aliases_skipped), e);
	if (err) {
		struct eb_err ignored = {};

		c.e = &ignored;
		att_remove(&c, &slot, 1);
		c.e = e;
	}
out:
	if (nsfd >= 0)
		close(nsfd);
	ctx_close(&c);
	eb_unlock(lock);
	return err;
}

/* Opens net under the lock for removals; -ENOENT (quietly) if absent. */
static int open_for_change(struct eb_ctx *c, const char *net, struct eb_err *e)
{
	if (!eb_dp_exists(net))
		return -ENOENT;
	return ctx_open(c, net, false, NULL, false, e);
}

/* The network whose state dir has id; -ENOENT if none. */
static int net_of_id(const char *id, char net[64])
{
	char nets[EB_MAX_NETS][64], name[EB_NAME_LEN];
	int n = eb_net_list(nets, EB_MAX_NETS);

	for (int i = 0; i < n; i++)
		if (state_find(nets[i], id, name, NULL) == 0) {
			snprintf(net, 64, "%.63s", nets[i]);
			return 0;
		}
	return -ENOENT;
}

int eb_detach(const char *net, const char *id, struct eb_err *e)
{
	char found[64], name[EB_NAME_LEN];
	struct eb_endpoint *ep;
	struct eb_ctx c;
	int lock, err;

	if (!id || !*id)
		return 0;
	lock = eb_lock(e);
	if (lock < 0)
		return lock;
	ctx_zero(&c);
	if (!net) {
		if (net_of_id(id, found)) {
			err = 0;
			goto out;
		}
		net = found;
	}
	if (eb_valid_name(net, EB_NAME_LEN)) {
		eb_errf(e, "invalid network name '%s'", net);
		err = -EINVAL;
		goto out;
	}
	err = state_find(net, id, name, NULL);
	if (err) {
		err = 0; /* idempotent */
		goto out;
	}
	err = open_for_change(&c, net, e);
	if (err == -ENOENT) {
		eb_att_state_del(net, name);
		err = 0;
		goto out;
	}
	if (err)
		goto out;
	ep = ctx_find_name(&c, name);
	if (ep && (ep->flags & EB_EP_ATTACHED))
		err = att_remove(&c, &ep, 1);
	else
		eb_att_state_del(net, name);
out:
	ctx_close(&c);
	eb_unlock(lock);
	return err;
}

int eb_attach_netns(const char *net, const char *id, const char *netns, struct eb_err *e)
{
	char name[EB_NAME_LEN];
	struct att_state s;
	struct eb_nl nl = {};
	struct eb_ctx c;
	__u32 kind = EB_NS_CONTAINER;
	__u64 cookie = 0;
	socklen_t len = sizeof(cookie);
	int lock, err, nsfd = -1;

	if (eb_valid_name(net, EB_NAME_LEN)) {
		eb_errf(e, "invalid network name '%s'", net);
		return -EINVAL;
	}
	lock = eb_lock(e);
	if (lock < 0)
		return lock;
	ctx_zero(&c);
	err = state_find(net, id, name, &s);
	if (err) {
		eb_errf(e, "no attachment %s in network '%s'", id, net);
		goto out;
	}
	err = open_for_change(&c, net, e);
	if (err) {
		if (err == -ENOENT)
			eb_errf(e, "no network '%s'", net);
		goto out;
	}
	nsfd = open_netns(netns, e);
	if (nsfd < 0) {
		err = nsfd;
		goto out;
	}
	err = eb_nl_open_in(&nl, nsfd);
	if (err) {
		eb_errf(e, "cannot talk to the namespace '%s': %s", netns, strerror(-err));
		goto out;
	}
	if (getsockopt(mnl_socket_get_fd(nl.sock), SOL_SOCKET, 71 /* SO_NETNS_COOKIE */, &cookie,
		       &len) < 0) {
		err = -errno;
		eb_errf(e, "cannot read the cookie of namespace '%s': %s (Linux 5.14+)", netns,
			strerror(-err));
		goto out;
	}
	/* The map entry is written even when the state says it is done:
	 * the entry may have been lost (a map re-created, removed by hand). */
	if (s.cookie && s.cookie != cookie) {
		__u64 old = s.cookie;

		bpf_map_delete_elem(c.dp.netns, &old);
	}
	if (bpf_map_update_elem(c.dp.netns, &cookie, &kind, BPF_ANY) < 0) {
		err = -errno;
		eb_errf(e, "cannot write map '%s': %s", EB_MAP_NETNS, strerror(-err));
		goto out;
	}
	if (s.cookie == cookie && !strcmp(s.netns, netns))
		goto out; /* the state says so already */
	s.cookie = cookie;
	snprintf(s.netns, sizeof(s.netns), "%s", netns);
	err = state_write(net, name, &s, e);
out:
	eb_nl_close(&nl);
	if (nsfd >= 0)
		close(nsfd);
	ctx_close(&c);
	eb_unlock(lock);
	return err;
}

static void fill_info(const char *net, const char *name, const struct att_state *s,
		      const struct eb_endpoint *ep, struct eb_nl *nl, struct eb_attach_info *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->net, sizeof(out->net), "%s", net);
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->id, sizeof(out->id), "%s", s->id);
	snprintf(out->owner, sizeof(out->owner), "%s", s->owner);
	snprintf(out->label, sizeof(out->label), "%s", s->label);
	snprintf(out->netns, sizeof(out->netns), "%s", s->netns);
	snprintf(out->ifname, sizeof(out->ifname), "%s", s->ifname);
	out->host_peer = s->host_peer;
	if (ep) {
		out->ep = *ep;
		out->have_ep = true;
		out->alive = nl && att_alive(nl, ep);
	}
}

/* The records of net, read once (n of them, or NULL). */
static struct eb_endpoint *read_eps(const char *net, int *n)
{
	struct eb_endpoint *eps = calloc(EB_MAX_ENDPOINTS, sizeof(*eps));
	int fd = open_endpoints_of(net);

	*n = 0;
	if (eps && fd >= 0)
		*n = load_endpoints(fd, eps, EB_MAX_ENDPOINTS);
	if (fd >= 0)
		close(fd);
	return eps;
}

static const struct eb_endpoint *find_ep(const struct eb_endpoint *eps, int n, const char *name)
{
	for (int i = 0; eps && i < n; i++)
		if (!strncmp(eps[i].name, name, EB_NAME_LEN))
			return &eps[i];
	return NULL;
}

static int list_net(const char *net, struct eb_attach_info *out, int max, struct eb_nl *nl)
{
	char dir[PATH_MAX];
	struct att_state s;
	struct eb_endpoint *eps;
	struct dirent *de;
	int n = 0, neps;
	DIR *d;

	att_dir(net, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return 0;
	eps = read_eps(net, &neps);
	while (n < max && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= EB_NAME_LEN)
			continue;
		if (state_read(net, de->d_name, &s))
			continue;
		fill_info(net, de->d_name, &s, find_ep(eps, neps, de->d_name), nl, &out[n++]);
	}
	closedir(d);
	free(eps);
	return n;
}

int eb_attach_list(const char *net, struct eb_attach_info *out, int max, struct eb_err *e)
{
	char nets[EB_MAX_NETS][64];
	struct eb_nl nl = { 0 };
	int nn, n = 0;
	bool have_nl = eb_nl_open(&nl) == 0;

	if (net) {
		snprintf(nets[0], 64, "%s", net);
		nn = 1;
	} else {
		nn = eb_net_list(nets, EB_MAX_NETS);
	}
	for (int i = 0; i < nn && n < max; i++)
		n += list_net(nets[i], out + n, max - n, have_nl ? &nl : NULL);
	if (have_nl)
		eb_nl_close(&nl);
	return n;
}

int eb_attach_get(const char *net, const char *id, struct eb_attach_info *out, struct eb_err *e)
{
	char found[64], name[EB_NAME_LEN];
	struct att_state s;
	struct eb_endpoint *eps;
	struct eb_nl nl = { 0 };
	bool have_nl;
	int neps;

	if (!id || !*id)
		return -ENOENT;
	if (!net) {
		if (net_of_id(id, found))
			return -ENOENT;
		net = found;
	}
	if (eb_valid_name(net, EB_NAME_LEN) || state_find(net, id, name, &s))
		return -ENOENT;
	have_nl = eb_nl_open(&nl) == 0;
	eps = read_eps(net, &neps);
	fill_info(net, name, &s, find_ep(eps, neps, name), have_nl ? &nl : NULL, out);
	free(eps);
	if (have_nl)
		eb_nl_close(&nl);
	return 0;
}

int eb_attach_gc(const char *net, const char *owner, const char *const *keep, int nkeep,
		 struct eb_err *e)
{
	struct eb_ctx c;
	int lock, n;

	lock = eb_lock(e);
	if (lock < 0)
		return lock;
	ctx_zero(&c);
	n = open_for_change(&c, net, e);
	if (n == -ENOENT) {
		/* No network: whatever state it left is stale. */
		eb_att_state_del_net(net);
		n = 0;
	} else if (n == 0) {
		n = att_gc(&c, owner, keep, nkeep);
		if (n < 0 && !e->msg[0])
			eb_errf(e, "cannot reclaim attachments of network '%s': %s", net,
				strerror(-n));
	}
	ctx_close(&c);
	eb_unlock(lock);
	return n;
}

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

int eb_attach_check(const char *net, const char *id, struct eb_err *e)
{
	char name[EB_NAME_LEN], ipb[16], p[PATH_MAX + 128];
	struct eb_mac_key mk = {};
	struct eb_ifindex_key pk;
	struct eb_fdb_entry fdb;
	struct eb_endpoint *ep, pep;
	struct eb_nl cnl = { 0 };
	struct att_state s;
	struct eb_link l;
	struct eb_ctx c;
	__u32 slot, ifx;
	int err, fd = -1, dev;

	ctx_zero(&c);
	if (eb_valid_name(net, EB_NAME_LEN) || state_find(net, id, name, &s))
		return -ENOENT;
	err = open_for_change(&c, net, e);
	if (err)
		return err == -ENOENT ? (eb_errf(e, "network '%s' does not exist", net), -ENOENT)
				      : err;
	ep = ctx_find_name(&c, name);
	if (!ep)
		MISSING("attachment '%s' (%s) has no record in map '%s'", name, id, EB_MAP_ENDPOINTS);
	if (!(ep->flags & EB_EP_READY))
		MISSING("attachment '%s' was not made to its end", name);
	if (eb_nl_link_get(&c.nl, ep->host_dev, &l) || l.ifindex != (int)ep->ifindex)
		MISSING("the host end '%s' of attachment '%s' is gone%s", ep->host_dev, name,
			s.host_peer ? "" : " (with its namespace?)");
	pk.ifindex = ep->ifindex;
	if (bpf_map_lookup_elem(c.dp.ports, &pk, &pep) || pep.ip != ep->ip)
		MISSING("no entry for port '%s' in map '%s'", ep->host_dev, EB_MAP_PORTS);
	memcpy(mk.mac, ep->mac, 6);
	if (bpf_map_lookup_elem(c.dp.fdb, &mk, &fdb) || fdb.ifindex != ep->ifindex)
		MISSING("no FDB entry for %s of attachment '%s'", eb_mac_str(ep->mac, p), name);
	slot = ep->flood_slot;
	if (slot >= EB_MAX_ENDPOINTS || bpf_map_lookup_elem(c.dp.flood, &slot, &ifx) ||
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
	if (eb_nl_addr_on_link(&c.nl, ep->ifindex, c.cfg.gateway) <= 0)
		MISSING("the gateway address %s is not on '%s'", eb_ip_str(c.cfg.gateway, ipb),
			ep->host_dev);
	if (!(l.flags & 1 /* IFF_UP */))
		MISSING("the host end '%s' is down", ep->host_dev);
	if (eb_nl_host_route_dev(&c.nl, ep->ip, &dev) || dev != (int)ep->ifindex)
		MISSING("no route to %s via '%s' in this namespace", eb_ip_str(ep->ip, ipb),
			ep->host_dev);
	if (s.host_peer || !s.netns[0])
		goto out;
	/* Inside: the device, and when ebnet configured it, the address and
	 * the default route. */
	fd = open(s.netns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		MISSING("the namespace '%s' of attachment '%s' is gone", s.netns, name);
	err = eb_nl_open_in(&cnl, fd);
	if (err) {
		eb_errf(e, "cannot talk to the namespace '%s': %s", s.netns, strerror(-err));
		goto out;
	}
	if (eb_nl_link_get(&cnl, s.ifname, &l))
		MISSING("no device '%s' in the namespace '%s'", s.ifname, s.netns);
	if (memcmp(l.mac, ep->mac, 6))
		MISSING("'%s' in '%s' has MAC %s, not the attachment's", s.ifname, s.netns,
			eb_mac_str(l.mac, p));
	if (eb_nl_addr_on_link(&cnl, l.ifindex, ep->ip) <= 0)
		MISSING("'%s' in '%s' does not have the address %s", s.ifname, s.netns,
			eb_ip_str(ep->ip, ipb));
	if (eb_nl_default_route_dev(&cnl, &dev) || dev != l.ifindex)
		MISSING("the namespace '%s' has no default route through '%s'", s.netns, s.ifname);
	err = 0;
out:
	eb_nl_close(&cnl);
	if (fd >= 0)
		close(fd);
	ctx_close(&c);
	return err;
}
