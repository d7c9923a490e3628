// SPDX-License-Identifier: GPL-2.0
/*
 * Removing: `ebnet rm` (containers) and `ebnet down` (a whole network,
 * also one whose pins are lost or of another layout).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "ebnet.h"
#include "orphans.h"
#include "nl.h"
#include "net_priv.h"

int eb_rm(const char *net, char **names, int n, struct eb_err *e)
{
	struct eb_ctx c;
	int lock, err, i;

	lock = eb_lock(e);
	if (lock < 0)
		return lock;
	ctx_zero(&c);
	if (!eb_dp_exists(net)) {
		eb_errf(e, "network '%s' does not exist", net);
		err = -ENOENT;
		goto out;
	}
	err = ctx_open(&c, net, false, NULL, false, e);
	if (err)
		goto out;
	for (i = 0; i < n; i++)
		if (!ctx_find_name(&c, names[i])) {
			eb_errf(e, "no container '%s' in network '%s'", names[i], net);
			err = -ENOENT;
			goto out;
		}
	{
		struct eb_endpoint **eps = calloc(n > 0 ? (size_t)n : 1, sizeof(*eps));
		int k = 0;

		if (!eps) {
			err = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n; i++) {
			struct eb_endpoint *ep = ctx_find_name(&c, names[i]);
			bool twice = false;

			for (int j = 0; j < k && !twice; j++)
				twice = eps[j] == ep;
			if (!twice)
				eps[k++] = ep;
		}
		err = ctrs_teardown(&c, eps, k, false, true);
		free(eps);
	}
out:
	ctx_close(&c);
	eb_unlock(lock);
	return err;
}

/* The network's maps and records into c, whatever they are: of this
 * layout, or (leniently) whatever of them is pinned. 0, a negative errno,
 * or 1 when there is no memory for the records: then `down` stops and
 * returns 0, as it always has. */
static int down_open(struct eb_ctx *c, const char *net, struct eb_err *e)
{
	__u32 zero = 0;
	int err;

	err = ctx_open(c, net, false, NULL, false, e);
	if (!err)
		return 0;
	ctx_close(c);
	ctx_zero(c);
	c->net = net;
	c->e = e;
	c->eps = calloc(EB_MAX_ENDPOINTS, sizeof(*c->eps));
	err = eb_nl_open(&c->nl);
	if (err || !c->eps)
		return err ? err : 1;
	eb_dp_open_lenient(net, &c->dp);
	bpf_map_lookup_elem(c->dp.cfg, &zero, &c->cfg);
	if (c->dp.endpoints >= 0)
		c->neps = load_endpoints(c->dp.endpoints, c->eps, EB_MAX_ENDPOINTS);
	e->msg[0] = 0;
	return 0;
}

/* Every container of c, the uplink's clsact filter (and its qdisc, when
 * ebnet made it and no other network uses it), then ports whose records
 * were lost (a map of another layout, a record removed by hand). */
static int down_remove_all(struct eb_ctx *c, const char *net, struct eb_err *e)
{
	int n, err;

	{
		/* All containers in one batch; their map entries go with
		 * the maps. */
		struct eb_endpoint **eps = calloc(c->neps ? c->neps : 1, sizeof(*eps));

		if (!eps)
			return -ENOMEM;
		for (int i = 0; i < c->neps; i++)
			eps[i] = &c->eps[i];
		err = ctrs_teardown(c, eps, c->neps, false, false);
		free(eps);
		if (err)
			return err;
	}
	if (c->cfg.flags & EB_CFG_UPLINK_CLSACT)
		eb_dp_detach_uplink_clsact(net, c->cfg.uplink_ifindex,
					   (c->cfg.flags & EB_CFG_UPLINK_QDISC) &&
						   !uplink_shared(net, c->cfg.uplink_ifindex));
	ctx_close(c);
	return eb_orphans_remove(net, false, &n, e);
}

int eb_down(const char *net, struct eb_err *e)
{
	struct eb_ctx c;
	char dir[PATH_MAX], cfgpin[PATH_MAX + 32];
	int lock, err = 0;

	if (eb_valid_name(net, EB_NAME_LEN)) {
		eb_errf(e, "invalid network name '%s'", net);
		return -EINVAL;
	}
	lock = eb_lock(e);
	if (lock < 0)
		return lock;
	ctx_zero(&c);
	eb_pin_dir(net, dir, sizeof(dir));
	snprintf(cfgpin, sizeof(cfgpin), "%s/%s", dir, EB_MAP_CONFIG);
	if (access(cfgpin, F_OK) < 0) {
		int n;

		/* No maps (the folder removed by hand, bpffs mounted again):
		 * what the network made is found by its names. */
		err = eb_orphans_remove(net, true, &n, e);
		if (err)
			goto out;
		if (access(dir, F_OK) < 0)
			goto out;
	}
	if (access(cfgpin, F_OK) == 0) {
		/* Whatever is there, even of another layout, is removed. */
		err = down_open(&c, net, e);
		if (err > 0) {
			err = 0;
			goto out;
		}
		if (!err)
			err = down_remove_all(&c, net, e);
		if (err)
			goto out;
	}
	eb_att_state_del_net(net);
	err = eb_dp_destroy(net);
	{
		char lp[PATH_MAX];

		/* The monitor's lock of this network: nobody can hold it now
		 * that the maps are gone. */
		snprintf(lp, sizeof(lp), "/run/lock/ebnet-monitor-%s.lock", net);
		unlink(lp);
	}
	if (err)
		eb_errf(e, "cannot remove the pins of network '%s' under %s: %s", net, dir,
			strerror(-err));
out:
	ctx_close(&c);
	eb_unlock(lock);
	return err;
}
