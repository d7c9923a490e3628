// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6, first part: a network's IPv6 subnet (eb_config6) and its
 * containers' addresses (attachments' too: ipv6_attach), between the
 * containers and with the gateway.
 *
 * A container's address is stored (eb_addr6, IPv4 -> IPv6): the one given
 * (`up NAME=IPV4,IPV6`), or by default the prefix + its IPv4 host number
 * (eb_ip6_for), or, when a given one took that, the next free address
 * counting up from it. `up` writes it before the container's port is made
 * (ipv6_plan), so that a re-up, a repair or a container made again after
 * a stop halfway gets the same address, and an `up --ipv6` of a network
 * that had none gives each container its address with no restart:
 * ipv6_sync() puts it on eth0 (nodad) with a default route via prefix::1,
 * puts prefix::1 on the host end of the port (nodad) with a /128 route and
 * a neighbour entry for the container, as for IPv4, and only then writes
 * the container's eb_ip6 entry, from which the datapath answers neighbour
 * solicitations and checks sources. A network made before eb_addr6 had
 * derived addresses only: the upgrade fills eb_addr6 from eb_ip6
 * (loader/upgrade.c), and until then they are read from eb_ip6.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "ebnet.h"
#include "netns.h"
#include "nl.h"
#include "net_priv.h"
#include "nat6.h"

int eb_parse_cidr6(const char *s, uint8_t net[16], int *plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	uint8_t a[16];
	long p;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = 0;
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || p < 48 || p > 120)
		return -EINVAL;
	if (inet_pton(AF_INET6, buf, a) != 1)
		return -EINVAL;
	for (int i = 0; i < 16; i++) {
		int bits = (int)p - i * 8;
		uint8_t host = bits >= 8 ? 0 : bits <= 0 ? 0xff : (uint8_t)(0xff >> bits);

		if (a[i] & host)
			return -EINVAL;
	}
	memcpy(net, a, 16);
	*plen = p;
	return 0;
}

void eb_ula_for(const char *net, uint8_t out[16])
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a, 64 bits */

	for (const char *p = net; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ULL;
	}
	memset(out, 0, 16);
	out[0] = 0xfd;
	for (int i = 1; i <= 5; i++)
		out[i] = h >> (8 * (i - 1));
}

void eb_ip6_for(const struct eb_config6 *c6, const struct eb_config *cfg, uint32_t ip4,
		uint8_t out[16])
{
	uint32_t host = ntohl(ip4) & ~ntohl(cfg->mask);

	memcpy(out, c6->prefix, 16);
	out[12] |= host >> 24;
	out[13] |= host >> 16;
	out[14] |= host >> 8;
	out[15] |= host;
}


int eb_config6_get(const char *net, struct eb_config6 *out)
{
	__u32 zero = 0;
	int fd = eb_pin_open(net, EB_MAP_CONFIG6, NULL), err = 0;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return -ENOENT;
	if (bpf_map_lookup_elem(fd, &zero, out))
		err = -errno;
	close(fd);
	if (err)
		memset(out, 0, sizeof(*out));
	return err;
}

static const char *ip6_str(const uint8_t a[16], char buf[INET6_ADDRSTRLEN])
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* ---- stored addresses: eb_addr6, read with eb_ip6 ---- */

/* A network's two address maps (-1: not pinned). */
struct addr6_maps {
	int afd;  /* eb_addr6: IPv4 -> IPv6 */
	int ipfd; /* eb_ip6: IPv6 -> port */
};

static void addr6_open(const char *net, struct addr6_maps *m)
{
	m->afd = eb_pin_open(net, EB_MAP_ADDR6, NULL);
	m->ipfd = eb_pin_open(net, EB_MAP_IP6, NULL);
}

static void addr6_close(struct addr6_maps *m)
{
	if (m->afd >= 0)
		close(m->afd);
	if (m->ipfd >= 0)
		close(m->ipfd);
	m->afd = m->ipfd = -1;
}

/* The eb_ip6 entry whose ip4 is ip4: its address into out. */
static int ip6_scan(int ipfd, uint32_t ip4, uint8_t out[16])
{
	struct eb_ip6_key k, next;
	struct eb_ip6_ep v;
	void *prev = NULL;

	while (ipfd >= 0 && bpf_map_get_next_key(ipfd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(ipfd, &k, &v) == 0 && v.ip4 == ip4) {
			memcpy(out, k.addr, 16);
			return 0;
		}
	}
	return -ENOENT;
}

/* The address of ip4 as stored; else (a network whose eb_addr6 is not
 * filled yet: made by an earlier build) the one eb_ip6 has for it. */
static int addr6_lookup(const struct addr6_maps *m, uint32_t ip4, uint8_t out[16])
{
	struct eb_ip_key k = {};
	struct eb_addr6 v;

	k.addr = ip4;
	if (m->afd >= 0 && bpf_map_lookup_elem(m->afd, &k, &v) == 0) {
		memcpy(out, v.addr, 16);
		return 0;
	}
	return ip6_scan(m->ipfd, ip4, out);
}

/* Is addr in place as ip4's (its eb_ip6 entry written, with that ip4)? */
static bool addr6_in_place(const struct addr6_maps *m, uint32_t ip4, const uint8_t addr[16])
{
	struct eb_ip6_key k = {};
	struct eb_ip6_ep v;

	memcpy(k.addr, addr, 16);
	return m->ipfd >= 0 && bpf_map_lookup_elem(m->ipfd, &k, &v) == 0 && v.ip4 == ip4;
}

int eb_ctr_addr6(const char *net, uint32_t ip4, uint8_t out[16])
{
	struct addr6_maps m;
	uint8_t a[16];
	int err;

	addr6_open(net, &m);
	err = addr6_lookup(&m, ip4, a);
	if (!err && !addr6_in_place(&m, ip4, a))
		err = -ENOENT;
	addr6_close(&m);
	if (!err)
		memcpy(out, a, 16);
	return err;
}

static int addr6_put(struct eb_ctx *c, int afd, uint32_t ip4, const uint8_t a[16], __u32 flags)
{
	struct eb_ip_key k = {};
	struct eb_addr6 v = { .flags = flags };
	char b[INET6_ADDRSTRLEN], ipb[16];
	int err;

	k.addr = ip4;
	memcpy(v.addr, a, 16);
	if (bpf_map_update_elem(afd, &k, &v, BPF_ANY) == 0)
		return 0;
	err = -errno;
	eb_errf(c->e, "cannot write %s -> %s into %s of '%s': %s", eb_ip_str(ip4, ipb),
		ip6_str(a, b), EB_MAP_ADDR6, c->net, strerror(-err));
	return err;
}

/* Addresses that containers have or will have, each with its IPv4 one. */
struct addr6_taken {
	int n, cap;
	struct taken6 {
		uint32_t ip4;
		uint8_t a[16];
	} *e;
};

static int taken_add(struct addr6_taken *t, uint32_t ip4, const uint8_t a[16])
{
	if (t->n == t->cap) {
		int cap = t->cap ? t->cap * 2 : 64;
		struct taken6 *e = realloc(t->e, (size_t)cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		t->e = e;
		t->cap = cap;
	}
	t->e[t->n].ip4 = ip4;
	memcpy(t->e[t->n++].a, a, 16);
	return 0;
}

/* The IPv4 address of another container than ip4's that has a: 0 when none. */
static uint32_t taken_by(const struct addr6_taken *t, uint32_t ip4, const uint8_t a[16],
			 bool *found)
{
	for (int i = 0; i < t->n; i++)
		if (t->e[i].ip4 != ip4 && !memcmp(t->e[i].a, a, 16)) {
			*found = true;
			return t->e[i].ip4;
		}
	*found = false;
	return 0;
}

/* What eb_addr6 and eb_ip6 hold for the records of c (an entry of no
 * record is a leftover of a run that stopped: ipv6_plan removes it). */
static int taken_load(struct eb_ctx *c, const struct addr6_maps *m, struct addr6_taken *t)
{
	struct eb_ip_key k4, n4;
	struct eb_ip6_key k6, n6;
	struct eb_addr6 a;
	struct eb_ip6_ep v;
	void *prev = NULL;
	int err = 0;

	while (!err && m->afd >= 0 && bpf_map_get_next_key(m->afd, prev, &n4) == 0) {
		k4 = n4;
		prev = &k4;
		if (ctx_find_ip(c, k4.addr) && bpf_map_lookup_elem(m->afd, &k4, &a) == 0)
			err = taken_add(t, k4.addr, a.addr);
	}
	prev = NULL;
	while (!err && m->ipfd >= 0 && bpf_map_get_next_key(m->ipfd, prev, &n6) == 0) {
		k6 = n6;
		prev = &k6;
		if (bpf_map_lookup_elem(m->ipfd, &k6, &v) == 0 && ctx_find_ip(c, v.ip4))
			err = taken_add(t, v.ip4, k6.addr);
	}
	return err;
}

static bool in_prefix6(const struct eb_config6 *c6, const uint8_t a[16])
{
	for (int i = 0; i < c6->plen; i++)
		if (((a[i / 8] ^ c6->prefix[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

/* a + 1 within the prefix: past its last address, its first. */
static void next6(const struct eb_config6 *c6, uint8_t a[16])
{
	for (int i = 15; i >= 0 && ++a[i] == 0; i--)
		;
	if (!in_prefix6(c6, a))
		memcpy(a, c6->prefix, 16);
}

/* A container's address may be any of the prefix but the network address
 * (the subnet-router anycast address) and the gateway. */
static bool usable6(const struct eb_config6 *c6, const uint8_t a[16])
{
	return in_prefix6(c6, a) && memcmp(a, c6->prefix, 16) && memcmp(a, c6->gateway, 16);
}

/* The address of ip4 when none is given: the derived one (eb_ip6_for) or,
 * when another container has that, the next free one counting up from it. */
static int addr6_pick(struct eb_ctx *c, const struct eb_config6 *c6, const struct addr6_taken *t,
		      uint32_t ip4, uint8_t out[16])
{
	char b[INET6_ADDRSTRLEN], ipb[16];
	uint8_t a[16];
	bool found;

	eb_ip6_for(c6, &c->cfg, ip4, a);
	/* Of t->n + 3 addresses in a row, t->n are taken at most, and two
	 * are the network address and the gateway. */
	for (int tries = 0; tries < t->n + 3; tries++) {
		if (usable6(c6, a) && (taken_by(t, ip4, a, &found), !found)) {
			memcpy(out, a, 16);
			return 0;
		}
		next6(c6, a);
	}
	eb_errf(c->e, "no free IPv6 address left in %s/%d for %s", ip6_str(c6->prefix, b), c6->plen,
		eb_ip_str(ip4, ipb));
	return -ENOSPC;
}

/* The address of a container (ip4): stored; else eb_ip6's, now stored;
 * else, when pick, chosen (addr6_pick) and stored; -ENOENT otherwise. */
static int addr6_resolve(struct eb_ctx *c, const struct eb_config6 *c6, const struct addr6_maps *m,
			 struct addr6_taken *t, uint32_t ip4, bool pick, uint8_t out[16])
{
	struct eb_ip_key k = {};
	struct eb_addr6 v;
	int err;

	k.addr = ip4;
	if (bpf_map_lookup_elem(m->afd, &k, &v) == 0) {
		memcpy(out, v.addr, 16);
		return 0;
	}
	if (ip6_scan(m->ipfd, ip4, out) == 0)
		return addr6_put(c, m->afd, ip4, out, 0);
	if (!pick)
		return -ENOENT;
	err = addr6_pick(c, c6, t, ip4, out);
	if (!err)
		err = addr6_put(c, m->afd, ip4, out, 0);
	if (!err)
		err = taken_add(t, ip4, out);
	return err;
}

/* Both maps open, eb_addr6 at least, and what they hold into t. */
static int addr6_begin(struct eb_ctx *c, struct addr6_maps *m, struct addr6_taken *t)
{
	addr6_open(c->net, m);
	memset(t, 0, sizeof(*t));
	if (m->afd < 0) {
		/* `up` made it (a new network) or upgraded the network to
		 * have it: its pin was removed by hand. */
		eb_errf(c->e, "cannot open %s of '%s': %s (its pin removed? `ebnet down --net %s` "
			      "and `up` make the network afresh)",
			EB_MAP_ADDR6, c->net, strerror(-m->afd), c->net);
		return m->afd;
	}
	return taken_load(c, m, t);
}

static void addr6_end(struct addr6_maps *m, struct addr6_taken *t)
{
	addr6_close(m);
	free(t->e);
	memset(t, 0, sizeof(*t));
}

/* Does the IPv6 subnet hold every IPv4 host number of the network? */
static int room_check(int plen6, int plen4, struct eb_err *e)
{
	if (128 - plen6 < 32 - plen4) {
		eb_errf(e, "--subnet6 /%d has %d host bits, fewer than the %d of the IPv4 subnet /%d "
			   "(a container's IPv6 address is by default the prefix + its IPv4 host number)",
			plen6, 128 - plen6, 32 - plen4, plen4);
		return -EINVAL;
	}
	return 0;
}

static bool overlaps6(const uint8_t *a, int pa, const uint8_t *b, int pb)
{
	int p = pa < pb ? pa : pb;

	for (int i = 0; i < p; i++)
		if (((a[i / 8] ^ b[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

/* Is IPv6 off for new devices of this namespace (the ports ebnet makes)?
 * Then nothing of --ipv6 could be put in place: refused before anything
 * changes, rather than a network half-made whose every later `up` fails. */
static bool ipv6_off_here(const char **why)
{
	const char *files[] = { "/proc/sys/net/ipv6/conf/all/disable_ipv6",
				"/proc/sys/net/ipv6/conf/default/disable_ipv6" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f = fopen(files[i], "r");
		int v = 0;

		if (!f) {
			*why = "this kernel has no IPv6 (no /proc/sys/net/ipv6)";
			return true;
		}
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
		if (v) {
			*why = i ? "net.ipv6.conf.default.disable_ipv6 is 1 in this namespace"
				 : "net.ipv6.conf.all.disable_ipv6 is 1 in this namespace";
			return true;
		}
	}
	return false;
}

/* The prefix asked for: --subnet6, or the ULA /64 of the network's name. */
static void want_prefix(const struct eb_up_opts *o, const char *net, struct eb_config6 *c6)
{
	if (o->plen6) {
		memcpy(c6->prefix, o->subnet6, 16);
		c6->plen = o->plen6;
	} else {
		eb_ula_for(net, c6->prefix);
		c6->plen = 64;
	}
}

/* A new IPv6 subnet's settings: the prefix asked for, prefix::1. */
static void c6_new(const struct eb_up_opts *o, const char *net, struct eb_config6 *c6)
{
	memset(c6, 0, sizeof(*c6));
	want_prefix(o, net, c6);
	memcpy(c6->gateway, c6->prefix, 16);
	c6->gateway[15] |= 1;
	c6->flags = EB_CFG6_ON;
}

/* The network's IPv6 subnet as it is, or as this `up --ipv6` makes it;
 * false when it has none and gains none. */
static bool c6_of(const char *net, const struct eb_up_opts *o, bool exists, struct eb_config6 *c6)
{
	if (exists && eb_config6_get(net, c6) == 0 && (c6->flags & EB_CFG6_ON))
		return true;
	if (!o->ipv6)
		return false;
	c6_new(o, net, c6);
	return true;
}

int ipv6_check(const struct eb_up_opts *o, const struct eb_config *cfg, bool exists,
	       struct eb_err *e)
{
	const char *why;
	struct eb_config6 have = {}, want = {};
	char nets[EB_MAX_NETS][64], b1[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	int n, err;

	if (exists)
		eb_config6_get(o->net, &have);
	err = nat6_check(o, cfg, e);
	if (err)
		return err;
	if (have.flags & EB_CFG6_ON) {
		if (o->plen6 && (o->plen6 != have.plen || memcmp(o->subnet6, have.prefix, 16))) {
			eb_errf(e, "network '%s' exists with IPv6 subnet %s/%d, not %s/%d; `ebnet down "
				   "--net %s` first to change it",
				o->net, ip6_str(have.prefix, b1), have.plen, ip6_str(o->subnet6, b2),
				o->plen6, o->net);
			return -EEXIST;
		}
		return 0;
	}
	if (!o->ipv6)
		return 0;
	if (ipv6_off_here(&why)) {
		eb_errf(e, "--ipv6: %s; the ports of the network could not have the gateway's IPv6 "
			   "address",
			why);
		return -EAFNOSUPPORT;
	}
	want_prefix(o, o->net, &want);
	err = room_check(want.plen, cfg->prefix_len, e);
	if (err)
		return err;
	/* Another network of this namespace with an overlapping IPv6 subnet
	 * would put the same addresses behind two sets of ports (as for IPv4,
	 * eb_check_subnet: another namespace's networks are its own world). */
	n = eb_net_list(nets, EB_MAX_NETS);
	for (int i = 0; i < n; i++) {
		struct eb_config6 oc;

		if (!strcmp(nets[i], o->net) || !eb_net_is_here(nets[i]) ||
		    eb_config6_get(nets[i], &oc) || !(oc.flags & EB_CFG6_ON))
			continue;
		if (overlaps6(want.prefix, want.plen, oc.prefix, oc.plen)) {
			eb_errf(e, "IPv6 subnet %s/%d overlaps %s/%d of network '%s'; pick another with "
				   "--subnet6",
				ip6_str(want.prefix, b1), want.plen, ip6_str(oc.prefix, b2), oc.plen,
				nets[i]);
			return -EEXIST;
		}
	}
	return 0;
}

/* Removes a container's eb_ip6 entry (`rm`, or before it is made again),
 * and its stored address unless keep_addr (made again: the same one). */
void ipv6_forget(struct eb_ctx *c, const struct eb_endpoint *ep, bool keep_addr)
{
	struct eb_ip6_key k = {};
	struct eb_ip_key k4 = {};
	struct addr6_maps m;
	struct eb_ip6_ep v;

	addr6_open(c->net, &m);
	if (addr6_lookup(&m, ep->ip, k.addr) == 0 && m.ipfd >= 0 &&
	    bpf_map_lookup_elem(m.ipfd, &k, &v) == 0 && v.ip4 == ep->ip)
		bpf_map_delete_elem(m.ipfd, &k);
	k4.addr = ep->ip;
	if (!keep_addr && m.afd >= 0)
		bpf_map_delete_elem(m.afd, &k4);
	addr6_close(&m);
}

/* Inside a container's namespace (nsfd): addr on ifname, the default route
 * via the gateway. */
static int ipv6_inside(struct eb_ctx *c, const struct eb_config6 *c6, const struct eb_endpoint *ep,
		       int nsfd, const char *ifname, const uint8_t addr[16])
{
	struct eb_nl cnl = { 0 };
	struct eb_link eth0;
	char b[INET6_ADDRSTRLEN];
	int err;

	err = eb_nl_open_in(&cnl, nsfd);
	if (err) {
		eb_errf(c->e, "cannot talk to namespace '%s': %s", ep->name, strerror(-err));
		return err;
	}
	err = eb_nl_link_get(&cnl, ifname, &eth0);
	if (err) {
		eb_errf(c->e, "no %s in namespace '%s': %s", ifname, ep->name, strerror(-err));
		goto out;
	}
	err = eb_nl_addr6_add(&cnl, eth0.ifindex, addr, c6->plen, false);
	if (err) {
		eb_errf(c->e, "cannot add %s/%d to %s of '%s': %s", ip6_str(addr, b), c6->plen,
			ifname, ep->name, strerror(-err));
		goto out;
	}
	err = eb_nl_route6_add(&cnl, addr, 0, c6->gateway, eth0.ifindex);
	if (err)
		eb_errf(c->e, "cannot add the IPv6 default route of '%s': %s", ep->name,
			strerror(-err));
out:
	eb_nl_close(&cnl);
	return err;
}

/* One container's IPv6 (addr, as stored): inside (nsfd >= 0), host side,
 * then its eb_ip6 entry. */
static int ctr_ipv6(struct eb_ctx *c, const struct eb_config6 *c6, int ipfd,
		    const struct eb_endpoint *ep, int nsfd, const char *ifname, const uint8_t addr[16])
{
	struct eb_ip6_key k = {};
	struct eb_ip6_ep v = { .ifindex = ep->ifindex, .slot = ep->flood_slot, .ip4 = ep->ip };
	char b[INET6_ADDRSTRLEN];
	int err;

	memcpy(k.addr, addr, 16);
	memcpy(v.mac, ep->mac, 6);
	if (nsfd >= 0) {
		err = ipv6_inside(c, c6, ep, nsfd, ifname, k.addr);
		if (err)
			return err;
	}
	err = eb_nl_addr6_add(&c->nl, ep->ifindex, c6->gateway, 128, true);
	if (err) {
		eb_errf(c->e, "cannot add the IPv6 gateway address %s to '%s': %s",
			ip6_str(c6->gateway, b), ep->host_dev, strerror(-err));
		return err;
	}
	err = eb_nl_route6_add(&c->nl, k.addr, 128, NULL, ep->ifindex);
	if (!err)
		err = eb_nl_neigh6_add(&c->nl, ep->ifindex, k.addr, ep->mac);
	if (err) {
		eb_errf(c->e, "cannot add the route to %s via '%s': %s", ip6_str(k.addr, b),
			ep->host_dev, strerror(-err));
		return err;
	}
	/* Routed out by the datapath (NAT66): bpf_fib_lookup() wants
	 * forwarding on the port it came in on (loader/nat6.c). */
	err = nat6_port_forwarding(ep->host_dev);
	if (err) {
		eb_errf(c->e, "cannot turn IPv6 forwarding on for '%s': %s", ep->host_dev,
			strerror(-err));
		return err;
	}
	if (bpf_map_update_elem(ipfd, &k, &v, BPF_ANY)) {
		err = -errno;
		eb_errf(c->e, "cannot write the IPv6 entry of '%s': %s", ep->name, strerror(-err));
	}
	return err;
}

/* An ebnet container: its namespace is /run/netns/NAME, its device eth0. */
static int own_ctr_ipv6(struct eb_ctx *c, const struct eb_config6 *c6, int ipfd,
			const struct eb_endpoint *ep, const uint8_t addr[16])
{
	int nsfd = eb_netns_open(ep->name), err;

	if (nsfd < 0) {
		eb_errf(c->e, "cannot open namespace '%s': %s", ep->name, strerror(-nsfd));
		return nsfd;
	}
	err = ctr_ipv6(c, c6, ipfd, ep, nsfd, "eth0", addr);
	close(nsfd);
	return err;
}

int ipv6_attach(struct eb_ctx *c, const struct eb_endpoint *ep, int nsfd, const char *ifname,
		uint8_t addr[16], int *plen, uint8_t gateway[16])
{
	struct eb_config6 c6;
	struct addr6_maps m;
	struct addr6_taken t;
	int err;

	*plen = 0;
	if (eb_config6_get(c->net, &c6) || !(c6.flags & EB_CFG6_ON))
		return 0;
	err = addr6_begin(c, &m, &t);
	if (!err && m.ipfd < 0) {
		err = m.ipfd;
		eb_errf(c->e, "cannot open %s of '%s': %s", EB_MAP_IP6, c->net, strerror(-err));
	}
	if (!err)
		err = addr6_resolve(c, &c6, &m, &t, ep->ip, true, addr);
	if (!err)
		err = ctr_ipv6(c, &c6, m.ipfd, ep, nsfd, ifname, addr);
	addr6_end(&m, &t);
	if (err)
		return err;
	memcpy(gateway, c6.gateway, 16);
	*plen = c6.plen;
	return 0;
}

int ipv6_sync(struct eb_ctx *c, const struct eb_up_opts *o)
{
	struct eb_config6 c6;
	struct addr6_maps m;
	struct addr6_taken t;
	__u32 zero = 0;
	int cfd, err = 0;
	bool dirty = false;

	if (eb_config6_get(c->net, &c6) && o->ipv6) {
		eb_errf(c->e, "network '%s' has no %s map (its programs are of an older build?)",
			c->net, EB_MAP_CONFIG6);
		return -ENOENT;
	}
	if (!(c6.flags & EB_CFG6_ON)) {
		if (!o->ipv6)
			return 0;
		c6_new(o, c->net, &c6);
		dirty = true;
	}
	/* NAT66: the address to translate to, --nat6 (loader/nat6.c). */
	err = nat6_settings(c, o, &c6, &dirty);
	if (err)
		return err;
	if (dirty) {
		cfd = eb_pin_open(c->net, EB_MAP_CONFIG6, NULL);
		if (cfd < 0 || bpf_map_update_elem(cfd, &zero, &c6, BPF_ANY)) {
			err = -errno;
			eb_errf(c->e, "cannot write the IPv6 settings of '%s': %s", c->net,
				strerror(-err));
			if (cfd >= 0)
				close(cfd);
			return err;
		}
		close(cfd);
	}
	err = addr6_begin(c, &m, &t);
	if (!err && m.ipfd < 0) {
		err = m.ipfd;
		eb_errf(c->e, "cannot open %s of '%s': %s", EB_MAP_IP6, c->net, strerror(-err));
	}
	/* ebnet's own containers, each at its stored address (ipv6_plan).
	 * An attachment's namespace is its runtime's: it gets IPv6 when it
	 * is made (ipv6_attach), so one made before the network had IPv6
	 * gets it when it is made again. */
	for (int i = 0; i < c->neps && !err; i++) {
		const struct eb_endpoint *ep = &c->eps[i];
		uint8_t a[16];

		if (!(ep->flags & EB_EP_READY) || (ep->flags & EB_EP_ATTACHED) || !ep->ifindex)
			continue;
		err = addr6_resolve(c, &c6, &m, &t, ep->ip, true, a);
		if (!err)
			err = own_ctr_ipv6(c, &c6, m.ipfd, ep, a);
	}
	addr6_end(&m, &t);
	return err;
}

void ipv6_info(const char *net, struct eb_net_info *info)
{
	struct addr6_maps m;

	if (eb_config6_get(net, &info->cfg6) || !(info->cfg6.flags & EB_CFG6_ON))
		return;
	addr6_open(net, &m);
	for (int i = 0; i < info->nctr; i++) {
		uint8_t a[16];

		if (addr6_lookup(&m, info->ctr[i].ip, a) == 0 &&
		    addr6_in_place(&m, info->ctr[i].ip, a))
			memcpy(info->ctr_ip6[i], a, 16);
	}
	addr6_close(&m);
}

/* The addresses given in the request (`up NAME=IPV4,IPV6`), checked
 * before anything changes. */
int ipv6_check_ctrs(const struct eb_up_opts *o, const struct eb_ctr_req *ctrs, int n,
		    struct eb_ctx *c, struct eb_err *e)
{
	static const uint8_t none[16];
	char b[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN], ipb[16];
	struct addr6_maps m = { -1, -1 };
	struct addr6_taken t = {};
	struct eb_config6 c6;
	bool has6, found;
	int i, err = 0;

	for (i = 0; i < n && !memcmp(ctrs[i].ip6, none, 16); i++)
		;
	if (i == n)
		return 0;
	has6 = c6_of(o->net, o, c != NULL, &c6);
	if (c) {
		addr6_open(o->net, &m);
		err = taken_load(c, &m, &t);
	}
	for (i = 0; i < n && !err; i++) {
		const uint8_t *a = ctrs[i].ip6;
		const char *name = ctrs[i].name;
		struct eb_endpoint *have = c ? ctx_find_name(c, name) : NULL, *owner;
		uint32_t other;
		uint8_t cur[16];

		if (!memcmp(a, none, 16))
			continue;
		ip6_str(a, b);
		if (!has6) {
			eb_errf(e, "network '%s' has no IPv6: the IPv6 address %s of '%s' needs "
				   "--ipv6 (`ebnet up --net %s --ipv6 ...`)",
				o->net, b, name, o->net);
			err = -EINVAL;
		} else if (!in_prefix6(&c6, a)) {
			eb_errf(e, "IPv6 address %s of '%s' is not in the network's IPv6 subnet %s/%d", b,
				name, ip6_str(c6.prefix, b2), c6.plen);
			err = -EINVAL;
		} else if (!memcmp(a, c6.prefix, 16)) {
			eb_errf(e, "IPv6 address %s of '%s' is the subnet's own address (%s/%d), not "
				   "a host's",
				b, name, b, c6.plen);
			err = -EINVAL;
		} else if (!memcmp(a, c6.gateway, 16)) {
			eb_errf(e, "IPv6 address %s of '%s' is the gateway's", b, name);
			err = -EINVAL;
		} else if (have && addr6_lookup(&m, have->ip, cur) == 0 && memcmp(cur, a, 16)) {
			eb_errf(e, "container '%s' exists with IPv6 address %s; `ebnet rm %s` first to "
				   "change it",
				name, ip6_str(cur, b2), name);
			err = -EEXIST;
		} else if ((other = taken_by(&t, have ? have->ip : ctrs[i].ip, a, &found)), found) {
			owner = ctx_find_ip(c, other);
			eb_errf(e, "IPv6 address %s is taken by container '%s'", b,
				owner ? owner->name : eb_ip_str(other, ipb));
			err = -EEXIST;
		}
		for (int j = 0; j < i && !err; j++)
			if (!memcmp(ctrs[j].ip6, a, 16)) {
				eb_errf(e, "IPv6 address %s is given to both '%s' and '%s'", b,
					ctrs[j].name, name);
				err = -EINVAL;
			}
	}
	addr6_close(&m);
	free(t.e);
	return err;
}

/* eb_addr6 entries of no record: a run that stopped between choosing a
 * new container's address and writing its record. */
static void addr6_gc(struct eb_ctx *c, int afd)
{
	struct eb_ip_key k, next, *gone = calloc(EB_MAX_ENDPOINTS, sizeof(*gone));
	void *prev = NULL;
	int n = 0;

	while (gone && n < EB_MAX_ENDPOINTS && bpf_map_get_next_key(afd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (!ctx_find_ip(c, k.addr))
			gone[n++] = k;
	}
	for (int i = 0; i < n; i++)
		bpf_map_delete_elem(afd, &gone[i]);
	free(gone);
}

int ipv6_plan(struct eb_ctx *c, const struct eb_up_opts *o, const struct eb_ctr_req *ctrs,
	      const uint32_t *want, int n)
{
	static const uint8_t none[16];
	struct eb_config6 c6;
	struct addr6_maps m;
	struct addr6_taken t;
	uint8_t a[16];
	int i, err;

	if (!c6_of(c->net, o, true, &c6))
		return 0;
	addr6_open(c->net, &m);
	if (m.afd >= 0)
		addr6_gc(c, m.afd);
	addr6_close(&m);
	err = addr6_begin(c, &m, &t);
	/* The given addresses first: a container whose derived address one
	 * of them is gets the next free one. */
	for (i = 0; i < n && !err; i++) {
		if (!memcmp(ctrs[i].ip6, none, 16))
			continue;
		err = addr6_put(c, m.afd, want[i], ctrs[i].ip6, EB_ADDR6_GIVEN);
		if (!err)
			err = taken_add(&t, want[i], ctrs[i].ip6);
	}
	/* Then the containers there already (their own, or for one that
	 * has none yet, chosen: an attachment's is chosen when it is made),
	 * then the new ones. */
	for (i = 0; i < c->neps && !err; i++) {
		err = addr6_resolve(c, &c6, &m, &t, c->eps[i].ip,
				    !(c->eps[i].flags & EB_EP_ATTACHED), a);
		if (err == -ENOENT)
			err = 0;
	}
	for (i = 0; i < n && !err; i++)
		if (!ctx_find_ip(c, want[i]))
			err = addr6_resolve(c, &c6, &m, &t, want[i], true, a);
	addr6_end(&m, &t);
	return err;
}
