// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink over libmnl (see nl.h): the socket, in this namespace or
 * another, and one request answered (eb_nl_talk, for nl_link.c and
 * nl_addr.c); GRO through ethtool in a namespace. Links are in nl_link.c,
 * addresses, routes and neighbours in nl_addr.c.
 */
#include <errno.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "nl.h"
#include "nl_priv.h"

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

int eb_nl_talk(struct eb_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
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

struct nlmsghdr *eb_nl_msg(char *buf, int type, int flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}
