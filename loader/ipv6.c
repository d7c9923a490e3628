// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6, first part: a network's IPv6 subnet (eb_config6) and its
 * containers' addresses (attachments' too: ipv6_attach), between the
 * containers and with the gateway.
 *
 * A container's address is stored (eb_addr6, IPv4 -> IPv6; loader/addr6.c):
 * the one given (`up NAME=IPV4,IPV6`), or by default the prefix + its IPv4
 * host number (eb_ip6_for), or, when a given one took that, the next free
 * address counting up from it. `up` writes it before the container's port
 * is made (ipv6_plan), so that a re-up, a repair or a container made again after
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
#include "addr6.h"

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
bool ipv6_c6_of(const char *net, const struct eb_up_opts *o, bool exists, struct eb_config6 *c6)
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
				o->net, eb_ip6_str(have.prefix, b1), have.plen, eb_ip6_str(o->subnet6, b2),
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
				eb_ip6_str(want.prefix, b1), want.plen, eb_ip6_str(oc.prefix, b2), oc.plen,
				nets[i]);
			return -EEXIST;
		}
	}
	return 0;
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
		eb_errf(c->e, "cannot add %s/%d to %s of '%s': %s", eb_ip6_str(addr, b), c6->plen,
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
			eb_ip6_str(c6->gateway, b), ep->host_dev, strerror(-err));
		return err;
	}
	err = eb_nl_route6_add(&c->nl, k.addr, 128, NULL, ep->ifindex);
	if (!err)
		err = eb_nl_neigh6_add(&c->nl, ep->ifindex, k.addr, ep->mac);
	if (err) {
		eb_errf(c->e, "cannot add the route to %s via '%s': %s", eb_ip6_str(k.addr, b),
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
		const uint8_t *want, uint8_t addr[16], int *plen, uint8_t gateway[16])
{
	struct eb_config6 c6;
	struct addr6_maps m;
	struct addr6_taken t;
	char b[INET6_ADDRSTRLEN];
	int err;

	*plen = 0;
	if (eb_config6_get(c->net, &c6) || !(c6.flags & EB_CFG6_ON)) {
		if (!want)
			return 0;
		eb_errf(c->e, "network '%s' has no IPv6: the IPv6 address %s needs it (`ebnet up "
			      "--net %s --ipv6 ...`)",
			c->net, eb_ip6_str(want, b), c->net);
		return -EINVAL;
	}
	err = addr6_begin(c, &m, &t);
	if (!err && m.ipfd < 0) {
		err = m.ipfd;
		eb_errf(c->e, "cannot open %s of '%s': %s", EB_MAP_IP6, c->net, strerror(-err));
	}
	if (!err && want)
		err = addr6_give(c, &c6, &m, &t, ep->ip, want);
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
