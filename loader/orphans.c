// SPDX-License-Identifier: GPL-2.0
/*
 * What a network made, found without its pins: its pin folder removed by
 * hand, or bpffs mounted again, leaves the containers' namespaces, their
 * veths (with the gateway address and the routes on them) and a clsact
 * filter on the uplink, and nothing under /sys/fs/bpf says whose they are.
 * Every port carries its owner in its alias ("ebnet:NET:CONTAINER", set by
 * `up`), the container's namespace has the container's name, and the
 * uplink's filter sits at the network's own priority: that is enough to
 * remove them all (`down`) or to make the network afresh (`up`).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "orphans.h"
#include "dp.h"
#include "health.h"
#include "netns.h"
#include "nl.h"
#include "ebnet_maps.h"

struct orphans {
	char prefix[EB_NAME_LEN + 8];
	int n, max;
	int *ifindex;
	char (*ctr)[EB_NAME_LEN];
	int others[256]; /* devices of no network: where the uplink may be */
	int nothers;
};

static int collect(const struct eb_link *l, void *arg)
{
	struct orphans *o = arg;
	size_t plen = strlen(o->prefix);

	if (!strncmp(l->alias, o->prefix, plen)) {
		if (o->n == o->max) {
			int m = o->max ? o->max * 2 : 64;
			int *ni = realloc(o->ifindex, m * sizeof(*ni));
			char(*nc)[EB_NAME_LEN];

			if (!ni)
				return -ENOMEM;
			o->ifindex = ni;
			nc = realloc(o->ctr, m * sizeof(*nc));
			if (!nc)
				return -ENOMEM;
			o->ctr = nc;
			o->max = m;
		}
		o->ifindex[o->n] = l->ifindex;
		snprintf(o->ctr[o->n], EB_NAME_LEN, "%s", l->alias + plen);
		o->n++;
	} else if (strncmp(l->alias, "ebnet:", 6) && o->nothers < 256) {
		o->others[o->nothers++] = l->ifindex;
	}
	return 0;
}

/* Is the program of id eb_from_uplink (the kernel keeps 15 characters)? */
static bool is_uplink_prog(__u32 id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	bool yes;

	if (fd < 0)
		return false;
	yes = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && !strncmp(info.name, "eb_from_upli", 12);
	close(fd);
	return yes;
}

int eb_orphans_remove(const char *net, bool uplink, int *removed, struct eb_err *e)
{
	struct orphans o = { 0 };
	struct eb_nl nl;
	int err, i;

	*removed = 0;
	snprintf(o.prefix, sizeof(o.prefix), "ebnet:%s:", net);
	err = eb_nl_open(&nl);
	if (err) {
		eb_errf(e, "cannot open a netlink socket: %s", strerror(-err));
		return err;
	}
	err = eb_nl_link_dump(&nl, collect, &o);
	if (err) {
		eb_errf(e, "cannot list the devices of this namespace: %s", strerror(-err));
		goto out;
	}
	for (i = 0; i < o.n; i++) {
		/* Its peer, the container's eth0, goes with it. */
		err = eb_nl_link_del(&nl, o.ifindex[i]);
		if (err && err != -ENODEV) {
			eb_errf(e, "cannot delete the port of container '%s' of network '%s': %s%s%s",
				o.ctr[i], net, strerror(-err), eb_nl_extack()[0] ? ": " : "",
				eb_nl_extack());
			goto out;
		}
		err = eb_netns_delete(o.ctr[i]);
		if (err) {
			eb_errf(e, "cannot remove namespace '%s' of network '%s': %s", o.ctr[i], net,
				strerror(-err));
			goto out;
		}
		(*removed)++;
	}
	err = 0;
	/* The uplink's clsact filter, if it had one: the network's own
	 * priority, holding eb_from_uplink. (tcx, XDP and cgroup links went
	 * with their pins.) */
	for (i = 0; uplink && i < o.nothers; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = o.others[i], .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = eb_uplink_prio(net));
		__u32 id;

		if (eb_clsact_prog(o.others[i], eb_uplink_prio(net), &id) || !is_uplink_prog(id))
			continue;
		if (bpf_tc_detach(&hook, &opts) == 0)
			(*removed)++;
	}
out:
	free(o.ifindex);
	free(o.ctr);
	eb_nl_close(&nl);
	return err;
}
