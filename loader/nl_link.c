// SPDX-License-Identifier: GPL-2.0
/* rtnetlink: links (devices, veth pairs, groups, per-device settings). See nl.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <linux/ip.h>

#include "nl.h"
#include "nl_priv.h"

struct link_cb_data {
	struct eb_link *out;
	int found;
};

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int linkinfo_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, IFLA_INFO_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_cb_data *d = data;
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *tb[IFLA_MAX + 1] = {};
	struct eb_link *l = d->out;

	mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, tb);
	memset(l, 0, sizeof(*l));
	l->ifindex = ifm->ifi_index;
	l->flags = ifm->ifi_flags;
	if (tb[IFLA_IFNAME])
		strncpy(l->name, mnl_attr_get_str(tb[IFLA_IFNAME]), sizeof(l->name) - 1);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	if (tb[IFLA_MTU])
		l->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_IFALIAS])
		snprintf(l->alias, sizeof(l->alias), "%s", mnl_attr_get_str(tb[IFLA_IFALIAS]));
	if (tb[IFLA_LINKINFO]) {
		struct nlattr *li[IFLA_INFO_MAX + 1] = {};

		mnl_attr_parse_nested(tb[IFLA_LINKINFO], linkinfo_attr_cb, li);
		if (li[IFLA_INFO_KIND])
			strncpy(l->kind, mnl_attr_get_str(li[IFLA_INFO_KIND]), sizeof(l->kind) - 1);
	}
	d->found = 1;
	return MNL_CB_OK;
}

static int eb_nl_link_query(struct eb_nl *nl, const char *name, int ifindex, struct eb_link *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_GETLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct link_cb_data d = { .out = out };
	int err;

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	err = eb_nl_talk(nl, nlh, link_cb, &d);
	if (err == -ENODEV)
		return -ENOENT;
	if (err)
		return err;
	return d.found ? 0 : -ENOENT;
}

int eb_nl_link_get(struct eb_nl *nl, const char *name, struct eb_link *out)
{
	return eb_nl_link_query(nl, name, 0, out);
}

int eb_nl_link_get_index(struct eb_nl *nl, int ifindex, struct eb_link *out)
{
	return eb_nl_link_query(nl, NULL, ifindex, out);
}

int eb_nl_veth_add(struct eb_nl *nl, const char *name, const unsigned char *mac,
		   const char *peer, const unsigned char *peer_mac, int peer_nsfd)
{
	return eb_nl_veth_add_mtu(nl, name, mac, peer, peer_mac, peer_nsfd, 0);
}

int eb_nl_veth_add_mtu(struct eb_nl *nl, const char *name, const unsigned char *mac,
		       const char *peer, const unsigned char *peer_mac, int peer_nsfd,
		       unsigned int mtu)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct nlattr *linkinfo, *data, *peerinfo;
	struct ifinfomsg *pifm;

	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	/* One queue each way: veth otherwise sizes its queues to the CPU
	 * count and pays two expedited RCU grace periods per pair for it. */
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peerinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's attributes follow an ifinfomsg of their own. */
	pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
	memset(pifm, 0, sizeof(*pifm));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
	if (peer_nsfd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, peer_nsfd);
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_nest_end(nlh, peerinfo);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return eb_nl_talk(nl, nlh, NULL, NULL);
}

/* An RTM_NEWLINK that changes the device ifindex, started in buf. */
static struct nlmsghdr *link_change(char *buf, int ifindex)
{
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return nlh;
}

int eb_nl_link_set_alias(struct eb_nl *nl, int ifindex, const char *alias)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_change(buf, ifindex);

	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return eb_nl_talk(nl, nlh, NULL, NULL);
}

struct link_dump {
	int (*fn)(const struct eb_link *l, void *arg);
	void *arg;
	int err;
};

static int link_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_dump *d = data;
	struct eb_link l;
	struct link_cb_data ld = { .out = &l };

	link_cb(nlh, &ld);
	if (!d->err)
		d->err = d->fn(&l, d->arg);
	return MNL_CB_OK;
}

int eb_nl_link_dump(struct eb_nl *nl, int (*fn)(const struct eb_link *l, void *arg), void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct link_dump d = { fn, arg, 0 };
	int err;

	ifm->ifi_family = AF_UNSPEC;
	err = eb_nl_talk(nl, nlh, link_dump_cb, &d);
	return err ? err : d.err;
}

int eb_nl_link_del(struct eb_nl *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_DELLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return eb_nl_talk(nl, nlh, NULL, NULL);
}

/* One u32 attribute of a link (IFLA_GROUP, IFLA_MTU) set. */
static int link_set_u32(struct eb_nl *nl, int ifindex, uint16_t type, uint32_t v)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_change(buf, ifindex);

	mnl_attr_put_u32(nlh, type, v);
	return eb_nl_talk(nl, nlh, NULL, NULL);
}

int eb_nl_link_set_group(struct eb_nl *nl, int ifindex, uint32_t group)
{
	return link_set_u32(nl, ifindex, IFLA_GROUP, group);
}

int eb_nl_link_set_mtu(struct eb_nl *nl, int ifindex, unsigned int mtu)
{
	return link_set_u32(nl, ifindex, IFLA_MTU, mtu);
}

int eb_nl_group_del(struct eb_nl *nl, uint32_t group)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_DELLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_GROUP, group);
	return eb_nl_talk(nl, nlh, NULL, NULL);
}

static int group_cb(const struct nlmsghdr *nlh, void *data)
{
	uint32_t *want = data;
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *tb[IFLA_MAX + 1] = {};

	mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, tb);
	if (tb[IFLA_GROUP] && mnl_attr_get_u32(tb[IFLA_GROUP]) == want[0])
		want[1] = 1;
	return MNL_CB_OK;
}

int eb_nl_group_used(struct eb_nl *nl, uint32_t group)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	uint32_t d[2] = { group, 0 };
	int err;

	ifm->ifi_family = AF_UNSPEC;
	err = eb_nl_talk(nl, nlh, group_cb, d);
	return err ? err : (int)d[1];
}

int eb_nl_link_up(struct eb_nl *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_change(buf, ifindex);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	return eb_nl_talk(nl, nlh, NULL, NULL);
}

int eb_nl_link_no_ipv6(struct eb_nl *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_change(buf, ifindex);
	struct nlattr *spec, *af;

	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	af = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, af);
	mnl_attr_nest_end(nlh, spec);
	return eb_nl_talk(nl, nlh, NULL, NULL);
}

int eb_nl_link_port_conf(struct eb_nl *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_change(buf, ifindex);
	struct nlattr *spec, *af, *conf;

	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	/* IPv4 forwarding on this device only: bpf_fib_lookup() answers for
	 * packets that come in here only where it is on. The global
	 * net.ipv4.ip_forward stays as it is. */
	af = mnl_attr_nest_start(nlh, AF_INET);
	conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);
	mnl_attr_put_u32(nlh, IPV4_DEVCONF_FORWARDING, 1);
	mnl_attr_nest_end(nlh, conf);
	mnl_attr_nest_end(nlh, af);
	af = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, af);
	mnl_attr_nest_end(nlh, spec);
	return eb_nl_talk(nl, nlh, NULL, NULL);
}
