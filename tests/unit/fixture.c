// SPDX-License-Identifier: GPL-2.0
/*
 * The unit tests' fixture: see fixture.h. Its parts: fixture_net.c (the
 * namespace and devices, through libebnet's netlink code, loader/nl*.c),
 * fixture_bpf.c (the programs, the records, running them); here what they
 * share (fx_fail) and the port set (fx_ports), made of both.
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

int fx_fail(int err, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fixture: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s%s%s\n", strerror(err < 0 ? -err : err),
		eb_nl_extack()[0] ? "; kernel: " : "", eb_nl_extack());
	return err < 0 ? err : -err;
}

/* ---- the port set ---- */

static int ports_seed(struct fx_ports *pt)
{
	const struct fx_progs *p = &pt->p;
	struct eb_config cfg;
	struct eb_endpoint half;
	uint32_t flood[5] = { pt->ifidx[0], pt->ifidx[1], pt->ifidx[2], 0, 424242 };
	int i, err;

	fx_config(&cfg, FX_SUBNET, 24, p);
	cfg.flood_max = 5;
	err = fx_config_write(p, &cfg);
	for (i = 0; i < FX_NPORTS && !err; i++) {
		char a[16], name[8], dev[8];

		snprintf(a, sizeof(a), "10.77.0.%d", i + 2);
		snprintf(name, sizeof(name), "c%d", i);
		snprintf(dev, sizeof(dev), "p%d", i);
		fx_ep(&pt->eps[i], a, pt->ifidx[i],
		      (unsigned char[]){ 0x02, 0xeb, 10, 77, 0, i + 2 },
		      (unsigned char[]){ 0x06, 0xeb, 10, 77, 0, i + 2 }, name, dev, i);
		err = fx_put_ep(p, &pt->eps[i]);
		if (!err)
			err = fx_put_fdb(p, &pt->eps[i]);
	}
	if (err)
		return err;
	/* Not ready: in eb_endpoints only, as `ebnet up` leaves it halfway. */
	half = pt->eps[0];
	half.ip = fx_ip(FX_NOT_READY);
	half.flags = 0;
	half.ifindex = 0;
	half.mac[5] = 9;
	snprintf(half.name, sizeof(half.name), "half");
	err = fx_put_ep(p, &half);
	/* The flood list: the three ports, a free slot, and a stale ifindex
	 * of a device that is gone. */
	for (uint32_t slot = 0; slot < 5 && !err; slot++)
		err = fx_put_flood(p, slot, flood[slot]);
	return err;
}

int fx_ports(struct fx_ports *pt)
{
	int err = fx_netns(), i;

	/* /proc/sys/net follows the opener's namespace: this one only. */
	if (!err)
		err = fx_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	if (!err)
		err = fx_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	for (i = 0; i <= FX_NPORTS && !err; i++) {
		char a[8], b[8];

		snprintf(a, sizeof(a), "p%d", i);
		snprintf(b, sizeof(b), "c%d", i);
		pt->ifidx[i] = fx_veth(a, NULL, b, NULL);
		if (pt->ifidx[i] < 0)
			err = pt->ifidx[i];
	}
	if (!err)
		err = fx_load(&pt->p, NULL);
	return err ? err : ports_seed(pt);
}
