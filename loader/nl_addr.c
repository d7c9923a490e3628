// SPDX-License-Identifier: GPL-2.0
/* rtnetlink: addresses, routes and neighbours, IPv4 and IPv6. See nl.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "nl.h"
#include "nl_priv.h"

/* RTM_NEWADDR, RTM_NEWROUTE, RTM_NEWNEIGH for IPv4 (alen 4: addresses in
 * network order as stored) and IPv6 (alen 16): one builder each. */
static int addr_put(struct eb_nl *nl, int family, int alen, int ifindex, const void *addr,
		    int plen, uint32_t flags)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = family;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	ifa->ifa_flags = flags & 0xff;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
	if (flags)
		mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	return eb_nl_talk(nl, nlh, NULL, NULL);
}

/* dst/plen via gw (NULL: on the link) out of ifindex; src: the preferred
 * source, NULL for none. */
static int route_put(struct eb_nl *nl, int family, int alen, const void *dst, int plen,
		     const void *gw, int ifindex, const void *src)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = family;
	rtm->rtm_dst_len = plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_type = RTN_UNICAST;
	/* IPv6 routes are universe scope, with or without a gateway. */
	rtm->rtm_scope = gw || family == AF_INET6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	if (plen)
		mnl_attr_put(nlh, RTA_DST, alen, dst);
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, alen, gw);
	if (src)
		mnl_attr_put(nlh, RTA_PREFSRC, alen, src);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return eb_nl_talk(nl, nlh, NULL, NULL);
}

static int neigh_put(struct eb_nl *nl, int family, int alen, int ifindex, const void *addr,
		     const unsigned char *mac)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));

	ndm->ndm_family = family;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_PERMANENT;
	mnl_attr_put(nlh, NDA_DST, alen, addr);
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	return eb_nl_talk(nl, nlh, NULL, NULL);
}

int eb_nl_addr_add(struct eb_nl *nl, int ifindex, uint32_t addr, int plen, bool noprefixroute)
{
	return addr_put(nl, AF_INET, 4, ifindex, &addr, plen,
			noprefixroute ? IFA_F_NOPREFIXROUTE : 0);
}

struct addr_dump {
	int ifindex;	/* 0: any */
	uint32_t match; /* 0: first one */
	uint32_t found;
	int hit;
};

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, IFA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_dump *d = data;
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct nlattr *tb[IFA_MAX + 1] = {};
	uint32_t a;

	if (ifa->ifa_family != AF_INET || d->hit)
		return MNL_CB_OK;
	if (d->ifindex && (int)ifa->ifa_index != d->ifindex)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	if (!tb[IFA_LOCAL])
		return MNL_CB_OK;
	a = mnl_attr_get_u32(tb[IFA_LOCAL]);
	if (d->match && a != d->match)
		return MNL_CB_OK;
	d->found = a;
	d->hit = 1;
	return MNL_CB_OK;
}

static int eb_nl_addr_dump(struct eb_nl *nl, struct addr_dump *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	return eb_nl_talk(nl, nlh, addr_cb, d);
}

int eb_nl_link_ipv4(struct eb_nl *nl, int ifindex, uint32_t *addr)
{
	struct addr_dump d = { .ifindex = ifindex };
	int err = eb_nl_addr_dump(nl, &d);

	if (err)
		return err;
	if (!d.hit)
		return -ENOENT;
	*addr = d.found;
	return 0;
}

int eb_nl_addr_on_link(struct eb_nl *nl, int ifindex, uint32_t addr)
{
	struct addr_dump d = { .ifindex = ifindex, .match = addr };
	int err = eb_nl_addr_dump(nl, &d);

	return err ? err : d.hit;
}

int eb_nl_addr_is_local(struct eb_nl *nl, uint32_t addr)
{
	struct addr_dump d = { .match = addr };
	int err = eb_nl_addr_dump(nl, &d);

	return err ? err : d.hit;
}

/* The IPv6 addresses of a link: the first global one (not link-local, not
 * tentative or deprecated), or whether want is among them. */
struct addr6_dump {
	int ifindex;
	const uint8_t *want;
	uint8_t found[16];
	int hit;
};

static int addr6_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr6_dump *d = data;
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct nlattr *tb[IFA_MAX + 1] = {};
	const uint8_t *a;
	uint32_t fl = ifa->ifa_flags;

	if (ifa->ifa_family != AF_INET6 || d->hit || (int)ifa->ifa_index != d->ifindex)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	if (tb[IFA_FLAGS])
		fl = mnl_attr_get_u32(tb[IFA_FLAGS]);
	a = tb[IFA_LOCAL] ? mnl_attr_get_payload(tb[IFA_LOCAL])
	    : tb[IFA_ADDRESS] ? mnl_attr_get_payload(tb[IFA_ADDRESS]) : NULL;
	if (!a)
		return MNL_CB_OK;
	if (d->want) {
		d->hit = !memcmp(a, d->want, 16);
		return MNL_CB_OK;
	}
	if (ifa->ifa_scope != RT_SCOPE_UNIVERSE || (fl & (IFA_F_DEPRECATED | IFA_F_DADFAILED)))
		return MNL_CB_OK;
	memcpy(d->found, a, 16);
	d->hit = 1;
	return MNL_CB_OK;
}

int eb_nl_link_ipv6(struct eb_nl *nl, int ifindex, const uint8_t *want, uint8_t out[16])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr6_dump d = { .ifindex = ifindex, .want = want };
	int err;

	ifa->ifa_family = AF_INET6;
	err = eb_nl_talk(nl, nlh, addr6_cb, &d);
	if (err)
		return err;
	if (!d.hit)
		return -ENOENT;
	if (out)
		memcpy(out, d.found, 16);
	return 0;
}

/* ---- routes and neighbours ---- */

int eb_nl_route_add(struct eb_nl *nl, uint32_t dst, int plen, uint32_t gw, int ifindex,
		    uint32_t src)
{
	return route_put(nl, AF_INET, 4, &dst, plen, gw ? &gw : NULL, ifindex, src ? &src : NULL);
}

int eb_nl_neigh_add(struct eb_nl *nl, int ifindex, uint32_t addr, const unsigned char *mac)
{
	return neigh_put(nl, AF_INET, 4, ifindex, &addr, mac);
}

struct route_dump {
	int ifindex;
};

static int route_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, RTA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_dump *d = data;
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *tb[RTA_MAX + 1] = {};
	uint32_t table;

	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (rtm->rtm_family != AF_INET || rtm->rtm_dst_len != 0 || table != RT_TABLE_MAIN ||
	    rtm->rtm_type != RTN_UNICAST || d->ifindex)
		return MNL_CB_OK;
	if (tb[RTA_OIF])
		d->ifindex = mnl_attr_get_u32(tb[RTA_OIF]);
	return MNL_CB_OK;
}

int eb_nl_default_route_dev(struct eb_nl *nl, int *ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct route_dump d = {};
	int err;

	rtm->rtm_family = AF_INET;
	err = eb_nl_talk(nl, nlh, route_cb, &d);
	if (err)
		return err;
	if (!d.ifindex)
		return -ENOENT;
	*ifindex = d.ifindex;
	return 0;
}

struct host_route {
	uint32_t dst;
	int ifindex;
};

static int host_route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct host_route *d = data;
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *tb[RTA_MAX + 1] = {};
	uint32_t table;

	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (rtm->rtm_family != AF_INET || rtm->rtm_dst_len != 32 || table != RT_TABLE_MAIN ||
	    !tb[RTA_DST] || mnl_attr_get_u32(tb[RTA_DST]) != d->dst || !tb[RTA_OIF] || d->ifindex)
		return MNL_CB_OK;
	d->ifindex = mnl_attr_get_u32(tb[RTA_OIF]);
	return MNL_CB_OK;
}

int eb_nl_host_route_dev(struct eb_nl *nl, uint32_t dst, int *ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct host_route d = { .dst = dst };
	int err;

	rtm->rtm_family = AF_INET;
	err = eb_nl_talk(nl, nlh, host_route_cb, &d);
	if (err)
		return err;
	if (!d.ifindex)
		return -ENOENT;
	*ifindex = d.ifindex;
	return 0;
}

struct route_each {
	int (*fn)(uint32_t dst, int plen, int oif, void *arg);
	void *arg;
	int err;
};

static int route_each_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_each *d = data;
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *tb[RTA_MAX + 1] = {};
	uint32_t table, dst = 0;

	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (rtm->rtm_family != AF_INET || table != RT_TABLE_MAIN || d->err)
		return MNL_CB_OK;
	if (tb[RTA_DST])
		dst = mnl_attr_get_u32(tb[RTA_DST]);
	d->err = d->fn(dst, rtm->rtm_dst_len, tb[RTA_OIF] ? (int)mnl_attr_get_u32(tb[RTA_OIF]) : 0,
		       d->arg);
	return MNL_CB_OK;
}

int eb_nl_route_each(struct eb_nl *nl, int (*fn)(uint32_t dst, int plen, int oif, void *arg),
		     void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct route_each d = { fn, arg, 0 };
	int err;

	rtm->rtm_family = AF_INET;
	err = eb_nl_talk(nl, nlh, route_each_cb, &d);
	return err ? err : d.err;
}

/* ---- IPv6 ---- */

int eb_nl_addr6_add(struct eb_nl *nl, int ifindex, const uint8_t addr[16], int plen,
		    bool noprefixroute)
{
	return addr_put(nl, AF_INET6, 16, ifindex, addr, plen,
			IFA_F_NODAD | (noprefixroute ? IFA_F_NOPREFIXROUTE : 0));
}

int eb_nl_route6_add(struct eb_nl *nl, const uint8_t dst[16], int plen, const uint8_t *gw,
		     int ifindex)
{
	return route_put(nl, AF_INET6, 16, dst, plen, gw, ifindex, NULL);
}

int eb_nl_neigh6_add(struct eb_nl *nl, int ifindex, const uint8_t addr[16],
		     const unsigned char *mac)
{
	return neigh_put(nl, AF_INET6, 16, ifindex, addr, mac);
}
