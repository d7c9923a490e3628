// SPDX-License-Identifier: GPL-2.0
/*
 * test_nl: netlink errors carry the kernel's words (issue 12). In a
 * private network namespace, requests the kernel refuses with an extended
 * ACK message: eb_nl_extack() holds it (what iproute2 prints after
 * "Error:"), a request that succeeds clears it, and a dump still ends.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <arpa/inet.h>
#include "check.h"
#include "nl.h"

static int count_links(const struct eb_link *l, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

int main(void)
{
	struct eb_nl nl;
	uint32_t dst, gw;
	int err, n = 0;

	if (unshare(CLONE_NEWNET)) {
		SKIP("no private network namespace (needs root)");
		return eb_check_done();
	}
	if (!ASSERT_EQ(eb_nl_open(&nl), 0, "a netlink socket"))
		return eb_check_done();
	ASSERT_EQ(eb_nl_link_up(&nl, 1), 0, "lo up");
	ASSERT_EQ(eb_nl_extack()[0], 0, "a request that succeeds leaves no message");
	inet_pton(AF_INET, "10.1.0.0", &dst);
	inet_pton(AF_INET, "1.2.3.4", &gw);
	err = eb_nl_route_add(&nl, dst, 16, gw, 1, 0);
	ASSERT_TRUE(err < 0, "a route via a gateway that no device reaches is refused");
	ASSERT_TRUE(strstr(eb_nl_extack(), "Nexthop has invalid gateway") != NULL,
		    "...and the kernel's message is read (NLMSGERR_ATTR_MSG)");
	ASSERT_EQ(eb_nl_link_up(&nl, 1), 0, "the next request works on the same socket");
	ASSERT_EQ(eb_nl_extack()[0], 0, "...and clears the message");
	ASSERT_EQ(eb_nl_link_dump(&nl, count_links, &n), 0, "a dump ends (NLMSG_DONE)");
	ASSERT_EQ(n, 1, "...with the one device of the namespace (lo)");
	eb_nl_close(&nl);
	return eb_check_done();
}
