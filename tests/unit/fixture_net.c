// SPDX-License-Identifier: GPL-2.0
/*
 * The unit tests' fixture (see fixture.h), its part of the network: the
 * addresses (fx_ip, fx_ip6), the private namespace, devices, addresses,
 * routes, neighbours and sysctls, through libebnet's netlink code
 * (loader/nl*.c).
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "fixture.h"
#include "ebnet.h"
#include "nl.h"
#include "fixture_int.h"

uint32_t fx_ip(const char *s)
{
	uint32_t a = 0;

	inet_pton(AF_INET, s, &a);
	return a;
}

void fx_ip6(const char *s, uint8_t out[16])
{
	if (inet_pton(AF_INET6, s, out) != 1)
		memset(out, 0, 16);
}


/* ---- topology ---- */

/* One netlink socket for the process, opened in its namespace once there. */
static struct eb_nl nl;
static bool nl_open;

static int nl_get(struct eb_nl **out)
{
	int err;

	if (!nl_open) {
		err = eb_nl_open(&nl);
		if (err)
			return fx_fail(err, "netlink socket");
		nl_open = true;
	}
	*out = &nl;
	return 0;
}

int fx_netns(void)
{
	struct eb_nl *n;
	int err;

	if (unshare(CLONE_NEWNET))
		return fx_fail(errno, "unshare(CLONE_NEWNET)");
	if (nl_open) {
		eb_nl_close(&nl); /* of the namespace left behind */
		nl_open = false;
	}
	err = nl_get(&n);
	if (err)
		return err;
	err = fx_ifindex("lo");
	if (err < 0)
		return err;
	err = eb_nl_link_up(n, err);
	return err ? fx_fail(err, "lo up") : 0;
}

int fx_ifindex(const char *name)
{
	struct eb_link l;
	struct eb_nl *n;
	int err = nl_get(&n);

	if (!err)
		err = eb_nl_link_get(n, name, &l);
	return err ? fx_fail(err, "device %s", name) : l.ifindex;
}

int fx_veth(const char *name, const unsigned char *mac, const char *peer,
	    const unsigned char *peer_mac)
{
	struct eb_nl *n;
	int err = nl_get(&n), a, b;

	if (err)
		return err;
	err = eb_nl_veth_add(n, name, mac, peer, peer_mac, -1);
	if (err)
		return fx_fail(err, "veth %s/%s", name, peer);
	a = fx_ifindex(name);
	b = fx_ifindex(peer);
	if (a < 0 || b < 0)
		return a < 0 ? a : b;
	err = eb_nl_link_up(n, a);
	if (!err)
		err = eb_nl_link_up(n, b);
	return err ? fx_fail(err, "%s/%s up", name, peer) : a;
}

int fx_forwarding(int ifindex)
{
	struct eb_nl *n;
	int err = nl_get(&n);

	if (!err)
		err = eb_nl_link_port_conf(n, ifindex);
	return err ? fx_fail(err, "port settings of ifindex %d", ifindex) : 0;
}

int fx_addr(int ifindex, const char *addr, int plen)
{
	struct eb_nl *n;
	int err = nl_get(&n);

	if (!err)
		err = eb_nl_addr_add(n, ifindex, fx_ip(addr), plen, false);
	return err ? fx_fail(err, "address %s/%d", addr, plen) : 0;
}

int fx_route(const char *dst, int plen, const char *gw, int ifindex)
{
	struct eb_nl *n;
	int err = nl_get(&n);

	if (!err)
		err = eb_nl_route_add(n, dst ? fx_ip(dst) : 0, dst ? plen : 0, gw ? fx_ip(gw) : 0,
				      ifindex, 0);
	return err ? fx_fail(err, "route %s/%d", dst ? dst : "default", plen) : 0;
}

int fx_route_blackhole(const char *dst, int plen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	uint32_t a = fx_ip(dst);
	struct eb_nl *n;
	int err = nl_get(&n), len;

	if (err)
		return err;
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK;
	nlh->nlmsg_seq = (unsigned int)time(NULL);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	*rtm = (struct rtmsg){ .rtm_family = AF_INET, .rtm_dst_len = plen, .rtm_table = RT_TABLE_MAIN,
			       .rtm_protocol = RTPROT_STATIC, .rtm_scope = RT_SCOPE_UNIVERSE,
			       .rtm_type = RTN_BLACKHOLE };
	mnl_attr_put(nlh, RTA_DST, 4, &a);
	if (mnl_socket_sendto(n->sock, nlh, nlh->nlmsg_len) < 0)
		return fx_fail(errno, "blackhole route %s/%d", dst, plen);
	len = mnl_socket_recvfrom(n->sock, buf, sizeof(buf));
	if (len < 0 || mnl_cb_run(buf, len, nlh->nlmsg_seq, n->portid, NULL, NULL) < 0)
		return fx_fail(errno, "blackhole route %s/%d", dst, plen);
	return 0;
}

int fx_neigh(int ifindex, const char *addr, const unsigned char *mac)
{
	struct eb_nl *n;
	int err = nl_get(&n);

	if (!err)
		err = eb_nl_neigh_add(n, ifindex, fx_ip(addr), mac);
	return err ? fx_fail(err, "neighbour %s", addr) : 0;
}

int fx_addr6(int ifindex, const char *addr, int plen)
{
	uint8_t a[16];
	struct eb_nl *n;
	int err = nl_get(&n);

	fx_ip6(addr, a);
	if (!err)
		err = eb_nl_addr6_add(n, ifindex, a, plen, false);
	return err ? fx_fail(err, "address %s/%d", addr, plen) : 0;
}

int fx_route6(const char *dst, int plen, const char *gw, int ifindex)
{
	uint8_t d[16] = {}, g[16];
	struct eb_nl *n;
	int err = nl_get(&n);

	if (dst)
		fx_ip6(dst, d);
	if (gw)
		fx_ip6(gw, g);
	if (!err)
		err = eb_nl_route6_add(n, d, dst ? plen : 0, gw ? g : NULL, ifindex);
	return err ? fx_fail(err, "route %s/%d", dst ? dst : "default", plen) : 0;
}

int fx_neigh6(int ifindex, const char *addr, const unsigned char *mac)
{
	uint8_t a[16];
	struct eb_nl *n;
	int err = nl_get(&n);

	fx_ip6(addr, a);
	if (!err)
		err = eb_nl_neigh6_add(n, ifindex, a, mac);
	return err ? fx_fail(err, "neighbour %s", addr) : 0;
}

int fx_mtu(int ifindex, unsigned int mtu)
{
	struct eb_nl *n;
	int err = nl_get(&n);

	if (!err)
		err = eb_nl_link_set_mtu(n, ifindex, mtu);
	return err ? fx_fail(err, "MTU %u of ifindex %d", mtu, ifindex) : 0;
}

int fx_sysctl(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return fx_fail(errno, "open %s", path);
	ok = fputs(val, f) >= 0;
	if (fclose(f))
		ok = 0;
	return ok ? 0 : fx_fail(EIO, "write %s", path);
}
