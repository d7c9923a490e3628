// SPDX-License-Identifier: GPL-2.0
/*
 * The host's IPv6 addresses as a published port sees them: the list that
 * a port on every address answers at (eb_host6, for the sock_addr
 * programs), and whether an address asked for is one of this host's.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "ebnet.h"
#include "ebnet_pub.h"
#include "pub_priv.h"

/* The host's IPv6 addresses that a published port may name (global and
 * unique-local: not ::1, link-local, multicast or v4-mapped), from
 * getifaddrs() in the namespace ebnet runs in. Their count (at most max),
 * or a negative errno. */
static int host_ip6_list(uint8_t (*out)[16], int max)
{
	struct ifaddrs *ifa, *i;
	int n = 0;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i && n < max; i = i->ifa_next) {
		const uint8_t *a;
		bool dup = false;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6)
			continue;
		a = ((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MULTICAST(a) ||
		    IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_UNSPECIFIED(a))
			continue;
		for (int j = 0; j < n && !dup; j++)
			dup = !memcmp(out[j], a, 16);
		if (!dup)
			memcpy(out[n++], a, 16);
	}
	freeifaddrs(ifa);
	return n;
}

int eb_host6_sync(const char *net)
{
	uint8_t have[EB_HOST6_MAX][16];
	struct eb_ip6_key k, next;
	void *prev = NULL;
	__u32 one = 1;
	int fd, n, err = 0;

	fd = eb_pin_open(net, EB_MAP_HOST6, NULL);
	if (fd < 0)
		return 0; /* an earlier build's network: its `up` makes the map */
	n = host_ip6_list(have, EB_HOST6_MAX);
	if (n < 0) {
		close(fd);
		return n;
	}
	for (int i = 0; i < n && !err; i++) {
		memcpy(k.addr, have[i], 16);
		if (bpf_map_update_elem(fd, &k, &one, BPF_ANY) < 0)
			err = -errno;
	}
	/* Addresses the host no longer has go. */
	while (!err && bpf_map_get_next_key(fd, prev, &next) == 0) {
		bool keep = false;

		k = next;
		prev = &k;
		for (int i = 0; i < n && !keep; i++)
			keep = !memcmp(have[i], k.addr, 16);
		if (!keep && bpf_map_delete_elem(fd, &k) == 0)
			prev = NULL; /* the walk starts over: k is gone */
	}
	close(fd);
	return err;
}

/* Is a one of this host's IPv6 addresses? 1, 0 or a negative errno. */
int host_has_ip6(const uint8_t a[16])
{
	uint8_t have[EB_HOST6_MAX][16];
	int n = host_ip6_list(have, EB_HOST6_MAX);

	for (int i = 0; i < n; i++)
		if (!memcmp(have[i], a, 16))
			return 1;
	return n < 0 ? n : 0;
}
