// SPDX-License-Identifier: GPL-2.0
/*
 * NAT66, the loader's part (the datapath's is bpf/lib/nat6.h): the sizes of
 * the IPv6 conntrack maps, the address the containers' IPv6 traffic is
 * translated to (eb_config6.snat_ip6: `up --snat-ip6 ADDR`, or the uplink's
 * first global IPv6 address, looked at again at every `up`), `--nat6 off`
 * (EB_CFG6_NAT6_OFF: routed, the containers' own addresses), and IPv6
 * forwarding on each container port (that port only: bpf_fib_lookup()
 * answers for packets that come in on a device that forwards; the host's
 * net.ipv6.conf.all.forwarding stays as it is, and with it the host's
 * acceptance of router advertisements on its uplink).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "ebnet.h"
#include "nl.h"
#include "net_priv.h"
#include "nat6.h"

void eb_nat6_size_map(struct bpf_map *m, const struct eb_dp_sizes *sz)
{
	if (sz && !strcmp(bpf_map__name(m), EB_MAP_CT6_TCP) && sz->ct_tcp)
		bpf_map__set_max_entries(m, sz->ct_tcp);
	if (sz && !strcmp(bpf_map__name(m), EB_MAP_CT6_OTHER) && sz->ct_other)
		bpf_map__set_max_entries(m, sz->ct_other);
}

static bool zero16(const uint8_t *a)
{
	static const uint8_t z[16];

	return !memcmp(a, z, 16);
}

int nat6_settings(struct eb_ctx *c, const struct eb_up_opts *o, struct eb_config6 *c6, bool *dirty)
{
	uint8_t want[16] = {};
	uint32_t flags = c6->flags;
	char b[INET6_ADDRSTRLEN];

	if (o->nat6 == EB_NAT6_OFF)
		flags |= EB_CFG6_NAT6_OFF;
	else if (o->nat6 == EB_NAT6_ON)
		flags &= ~EB_CFG6_NAT6_OFF;
	if (!zero16(o->snat_ip6)) {
		if (!c->cfg.uplink_ifindex ||
		    eb_nl_link_ipv6(&c->nl, c->cfg.uplink_ifindex, o->snat_ip6, NULL)) {
			eb_errf(c->e, "--snat-ip6 %s is not an address of the uplink",
				inet_ntop(AF_INET6, o->snat_ip6, b, sizeof(b)));
			return -EADDRNOTAVAIL;
		}
		memcpy(want, o->snat_ip6, 16);
	} else if (c->cfg.uplink_ifindex && !zero16(c6->snat_ip6) &&
		   eb_nl_link_ipv6(&c->nl, c->cfg.uplink_ifindex, c6->snat_ip6, NULL) == 0) {
		memcpy(want, c6->snat_ip6, 16); /* still the uplink's: kept */
	} else if (c->cfg.uplink_ifindex) {
		/* None: all 0, and the datapath sends no IPv6 out. */
		eb_nl_link_ipv6(&c->nl, c->cfg.uplink_ifindex, NULL, want);
	}
	if (flags != c6->flags || memcmp(want, c6->snat_ip6, 16)) {
		c6->flags = flags;
		memcpy(c6->snat_ip6, want, 16);
		*dirty = true;
	}
	return 0;
}

int nat6_check(const struct eb_up_opts *o, const struct eb_config *cfg, struct eb_err *e)
{
	char b[INET6_ADDRSTRLEN];
	struct eb_nl nl;
	int err;

	if (zero16(o->snat_ip6))
		return 0;
	if (!cfg->uplink_ifindex) {
		eb_errf(e, "--snat-ip6 %s: the network has no uplink",
			inet_ntop(AF_INET6, o->snat_ip6, b, sizeof(b)));
		return -EADDRNOTAVAIL;
	}
	err = eb_nl_open(&nl);
	if (err) {
		eb_errf(e, "cannot open a netlink socket: %s", strerror(-err));
		return err;
	}
	err = eb_nl_link_ipv6(&nl, cfg->uplink_ifindex, o->snat_ip6, NULL);
	eb_nl_close(&nl);
	if (err) {
		eb_errf(e, "--snat-ip6 %s is not an address of the uplink",
			inet_ntop(AF_INET6, o->snat_ip6, b, sizeof(b)));
		return -EADDRNOTAVAIL;
	}
	return 0;
}

int nat6_port_forwarding(const char *dev)
{
	char p[128];
	FILE *f;
	int err = 0;

	snprintf(p, sizeof(p), "/proc/sys/net/ipv6/conf/%s/forwarding", dev);
	f = fopen(p, "w");
	if (!f)
		return -errno;
	if (fputs("1\n", f) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}
