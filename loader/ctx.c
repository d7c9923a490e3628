// SPDX-License-Identifier: GPL-2.0
/*
 * One network's working set (struct eb_ctx): its netlink socket, its maps
 * and the records of its containers, loaded once per command; see
 * net_priv.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "ebnet.h"
#include "nl.h"
#include "net_priv.h"

struct eb_endpoint *ctx_find_name(struct eb_ctx *c, const char *name)
{
	for (int i = 0; i < c->neps; i++)
		if (strncmp(c->eps[i].name, name, EB_NAME_LEN) == 0)
			return &c->eps[i];
	return NULL;
}

struct eb_endpoint *ctx_find_ip(struct eb_ctx *c, uint32_t ip)
{
	for (int i = 0; i < c->neps; i++)
		if (c->eps[i].ip == ip)
			return &c->eps[i];
	return NULL;
}

int ctx_write_cfg(struct eb_ctx *c)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(c->dp.cfg, &zero, &c->cfg, BPF_ANY) < 0) {
		int err = -errno;

		eb_errf(c->e, "cannot write map '%s': %s", EB_MAP_CONFIG, strerror(-err));
		return err;
	}
	return 0;
}

int ctx_put_ep(struct eb_ctx *c, const struct eb_endpoint *ep)
{
	struct eb_ip_key k = { .addr = ep->ip };
	struct eb_ifindex_key pk = { .ifindex = ep->ifindex };

	if (bpf_map_update_elem(c->dp.endpoints, &k, ep, BPF_ANY) < 0)
		goto fail;
	if (ep->ifindex && bpf_map_update_elem(c->dp.ports, &pk, ep, BPF_ANY) < 0)
		goto fail;
	return 0;
fail:
	eb_errf(c->e, "cannot record container '%s' in the endpoint maps: %s%s", ep->name,
		strerror(errno), errno == E2BIG ? " (the network is full)" : "");
	return -errno;
}

void ctx_zero(struct eb_ctx *c)
{
	memset(c, 0, sizeof(*c));
	eb_dp_init(&c->dp);
}

int ctx_open(struct eb_ctx *c, const char *net, bool create, const struct eb_dp_sizes *sz,
	     bool verbose, struct eb_err *e)
{
	__u32 zero = 0;
	int err;

	ctx_zero(c);
	c->net = net;
	c->e = e;
	eb_dp_init(&c->dp);
	c->eps = calloc(EB_MAX_ENDPOINTS, sizeof(*c->eps));
	if (!c->eps)
		return -ENOMEM;
	err = eb_nl_open(&c->nl);
	if (err) {
		eb_errf(e, "cannot open a netlink socket: %s", strerror(-err));
		return err;
	}
	err = create ? eb_dp_ensure_begin(net, &c->dp, sz, verbose, e) : eb_dp_open(net, &c->dp, e);
	/* The programs of a new network may still be loading: ctx_ready()
	 * waits for them. Otherwise they are opened here. */
	if (!err && create && !c->dp.pending)
		err = eb_dp_ensure_end(net, &c->dp, e);
	if (err)
		return err;
	bpf_map_lookup_elem(c->dp.cfg, &zero, &c->cfg);
	ctx_reload(c);
	return 0;
}

void ctx_close(struct eb_ctx *c)
{
	eb_dp_close(&c->dp);
	eb_nl_close(&c->nl);
	free(c->eps);
	c->eps = NULL;
}

bool ctx_ip_taken(struct eb_ctx *c, uint32_t ip)
{
	return ip == c->cfg.gateway || ctx_find_ip(c, ip);
}

void ctx_reload(struct eb_ctx *c)
{
	c->neps = load_endpoints(c->dp.endpoints, c->eps, EB_MAX_ENDPOINTS);
	memset(c->slot_used, 0, sizeof(c->slot_used));
	for (int i = 0; i < c->neps; i++)
		if (c->eps[i].flood_slot < EB_MAX_ENDPOINTS && c->eps[i].ifindex)
			c->slot_used[c->eps[i].flood_slot] = 1;
}

/*
 * How container ports get their program. A port is a host-side veth that
 * ebnet creates and owns alone, so the hook needs no sharing: by default it
 * gets a clsact qdisc and a direct-action bpf filter. tcx would wait for an
 * RCU grace period under the rtnl lock on every attach (tcx_entry_sync(),
 * 10-15 ms each on our 2-vCPU VM, and they cannot overlap): `ebnet up` of
 * 100 containers took ~1.5 s with tcx against ~0.3 s with clsact, and the
 * `ip` script baseline ~1.15 s (docs/BENCHMARKS.md, containers_100). The
 * uplink, a device the host's other tools share, keeps tcx where the kernel
 * has it (uplink_attach). --attach tcx (EBNET_ATTACH=tcx) still forces tcx
 * on ports, --attach clsact forces clsact everywhere; a network made with
 * either remembers it (EB_CFG_TCX, EB_CFG_CLSACT) for containers added
 * later. Every port records its own mode (EB_EP_CLSACT), so a network may
 * hold both: upgrade, repair and removal go by that record.
 */
enum eb_attach ports_attach(enum eb_attach asked, __u32 cfg_flags)
{
	if (asked != EB_ATTACH_AUTO)
		return asked;
	return (cfg_flags & EB_CFG_TCX) ? EB_ATTACH_TCX : EB_ATTACH_CLSACT;
}
