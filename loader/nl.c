// SPDX-License-Identifier: GPL-2.0
/* rtnetlink over libmnl. See nl.h. */
#include <errno.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <linux/ip.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "nl.h"

int eb_nl_open(struct eb_nl *nl)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->sock)
		return -errno;
	/* Extended ACKs: the kernel's own words on a refusal. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return err;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = 1;
	return 0;
}

/* Runs fn(arg) with this thread in the namespace of nsfd, and comes back.
 * Sockets fn opens stay in that namespace. */
static int in_netns(int nsfd, int (*fn)(void *), void *arg)
{
	int self, err;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		err = -errno;
		close(self);
		return err;
	}
	err = fn(arg);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* we cannot be left in the container's namespace */
	close(self);
	return err;
}

static int open_nl(void *nl)
{
	return eb_nl_open(nl);
}

int eb_nl_open_in(struct eb_nl *nl, int nsfd)
{
	return in_netns(nsfd, open_nl, nl);
}

static int open_udp(void *fd)
{
	*(int *)fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return *(int *)fd < 0 ? -errno : 0;
}

int eb_set_gro_in(int nsfd, const char *ifname, bool on)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_SGRO, .data = on };
	struct ifreq ifr = {};
	int fd = -1, err;

	err = in_netns(nsfd, open_udp, &fd);
	if (err)
		return err;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	/* Already so: no change (a change restarts the veth's NAPI). */
	ev.cmd = ETHTOOL_GGRO;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && !ev.data == !on) {
		close(fd);
		return 0;
	}
	ev.cmd = ETHTOOL_SGRO;
	ev.data = on;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		err = -errno;
	close(fd);
	return err;
}

void eb_nl_close(struct eb_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/* The kernel's extended ACK message of this thread's last refused request
 * (NLMSGERR_ATTR_MSG), "" if none: eb_nl_extack(). */
static __thread char eb_extack[256];

const char *eb_nl_extack(void)
{
	return eb_extack;
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(eb_extack, sizeof(eb_extack), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* NLMSG_ERROR: an ACK (error 0), or a refusal, whose extended ACK
 * attributes follow the request the kernel echoes (all of it, or only
 * its header when NLM_F_CAPPED). */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (err->error == 0)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		unsigned int off = sizeof(*err);

		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			mnl_attr_parse(nlh, off, extack_attr_cb, NULL);
	}
	errno = -err->error;
	return MNL_CB_ERROR;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_STOP;
}

static int overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

/* Sends one request and runs the answers through cb until the ACK or DONE. */
static int eb_nl_talk(struct eb_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int seq = nl->seq++;
	/* With a table of its own, libmnl calls nothing for the types it
	 * leaves NULL: DONE and OVERRUN are spelt out. */
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = error_cb, [NLMSG_DONE] = done_cb,
					 [NLMSG_OVERRUN] = overrun_cb };
	int ret;

	eb_extack[0] = 0;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ret = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run2(buf, ret, seq, nl->portid, cb, data, ctl, NLMSG_MIN_TYPE);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static struct nlmsghdr *eb_nl_msg(char *buf, int type, int flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* ---- links ---- */

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

int eb_nl_link_set_alias(struct eb_nl *nl, int ifindex, const char *alias)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
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

int eb_nl_link_set_group(struct eb_nl *nl, int ifindex, uint32_t group)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_GROUP, group);
	return eb_nl_talk(nl, nlh, NULL, NULL);
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
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	return eb_nl_talk(nl, nlh, NULL, NULL);
}

int eb_nl_link_no_ipv6(struct eb_nl *nl, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct nlattr *spec, *af;

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
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
	struct nlmsghdr *nlh = eb_nl_msg(buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct nlattr *spec, *af, *conf;

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
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

/* ---- addresses ---- */

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
