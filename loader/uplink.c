// SPDX-License-Identifier: GPL-2.0
/*
 * A network's way out: the NAT port range it translates to, eb_from_uplink
 * on the uplink (healed when the device is made again), and eb_xdp_uplink
 * in front of it (--xdp). Runs under eb_lock(); see net_priv.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "ebnet.h"
#include "health.h"
#include "netns.h"
#include "nl.h"
#include "net_priv.h"

/* SNAT ports stay out of the host's own ephemeral range
 * (net.ipv4.ip_local_port_range of the namespace ebnet runs in), so that a
 * NAT binding and a connection of the host's never share a tuple. */
/* Networks of this host that translate to the same address must not
 * hand out the same ports: replies would reach whichever network's uplink
 * program runs first. The first such network gets the larger gap around
 * the host's ephemeral range; each further one a slice of EB_NAT_SLICE
 * ports that no other holds (ports count per destination, so a slice is
 * that many flows to one server:port). A given range must not overlap. */
#define EB_NAT_SLICE 4096
/* The NAT port ranges that the other networks of this host that
 * translate to cfg's address hold, into held (their count); -EADDRINUSE
 * when the one o gives overlaps one of them. */
static int nat_held(const struct eb_up_opts *o, const struct eb_config *cfg,
		    uint16_t held[][2], struct eb_err *e)
{
	char nets[EB_MAX_NETS][64];
	int nn = eb_net_list(nets, EB_MAX_NETS), nh = 0;

	for (int i = 0; i < nn; i++) {
		char p[PATH_MAX + 128];
		struct eb_config oc;
		__u32 zero = 0;
		int fd;

		if (!strcmp(nets[i], o->net) || !eb_net_is_here(nets[i]))
			continue;
		snprintf(p, sizeof(p), "%s/%.63s/%s", EB_PIN_ROOT, nets[i], EB_MAP_CONFIG);
		fd = bpf_obj_get(p);
		if (fd < 0)
			continue;
		if (bpf_map_lookup_elem(fd, &zero, &oc) == 0 && oc.snat_ip == cfg->snat_ip &&
		    oc.snat_ip) {
			held[nh][0] = oc.nat_port_min;
			held[nh][1] = oc.nat_port_max;
			if (o->nat_port_min && o->nat_port_min <= oc.nat_port_max &&
			    oc.nat_port_min <= o->nat_port_max) {
				char a[16];

				eb_errf(e, "--nat-ports %u-%u overlaps network '%s' (%u-%u), which "
					   "also translates to %s",
					o->nat_port_min, o->nat_port_max, nets[i], oc.nat_port_min,
					oc.nat_port_max, eb_ip_str(oc.snat_ip, a));
				close(fd);
				return -EADDRINUSE;
			}
			nh++;
		}
		close(fd);
	}
	return nh;
}

int choose_nat_range(const struct eb_up_opts *o, struct eb_config *cfg, struct eb_err *e)
{
	uint16_t held[EB_MAX_NETS][2];
	unsigned int lo = 32768, hi = 60999;
	int nh, best_len = 0;
	FILE *f;

	nh = nat_held(o, cfg, held, e);
	if (nh < 0)
		return nh;
	if (o->nat_port_min) {
		cfg->nat_port_min = o->nat_port_min;
		cfg->nat_port_max = o->nat_port_max;
		return 0;
	}
	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (f) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2)
			lo = 32768, hi = 60999;
		fclose(f);
	}
	/* The ranges a network may take, first fit: most of the low gap (a
	 * big range keeps a lone network fast: with few ports, a busy client
	 * reuses each within a second), then slices of EB_NAT_SLICE ports of
	 * the rest of it and of the high gap. */
	{
		uint32_t g0lo = 1024, g0hi = lo > 1024 ? lo - 1 : 0, g1lo = hi + 1, g1hi = 65535;
		uint32_t sl[8][2];
		int ns = 0;

		if (g0hi > g0lo + 2 * EB_NAT_SLICE) {
			sl[ns][0] = g0lo, sl[ns++][1] = g0hi - 2 * EB_NAT_SLICE;
			sl[ns][0] = g0hi - 2 * EB_NAT_SLICE + 1, sl[ns++][1] = g0hi - EB_NAT_SLICE;
			sl[ns][0] = g0hi - EB_NAT_SLICE + 1, sl[ns++][1] = g0hi;
		} else if (g0hi > g0lo) {
			sl[ns][0] = g0lo, sl[ns++][1] = g0hi;
		}
		for (uint32_t st = g1lo; st <= g1hi && ns < 8; st += EB_NAT_SLICE) {
			sl[ns][0] = st;
			sl[ns++][1] = st + EB_NAT_SLICE - 1 > g1hi ? g1hi : st + EB_NAT_SLICE - 1;
		}
		for (int i = 0; i < ns && !best_len; i++) {
			bool taken = false;

			for (int k = 0; k < nh && !taken; k++)
				taken = held[k][0] <= sl[i][1] && sl[i][0] <= held[k][1];
			if (!taken && sl[i][1] - sl[i][0] + 1 >= 256) {
				best_len = sl[i][1] - sl[i][0] + 1;
				cfg->nat_port_min = sl[i][0];
				cfg->nat_port_max = sl[i][1];
			}
		}
	}
	if (best_len < 256) {
		eb_errf(e, "no free NAT port range left on this uplink's address; give one with "
			   "--nat-ports LOW-HIGH apart from the other networks' (`ebnet ls`)");
		return -EADDRINUSE;
	}
	return 0;
}

/*
 * eb_from_uplink on the uplink, once per network; `up` heals it. The
 * uplink is known by its name (eb_uplink): a device deleted and made again
 * under that name (a driver reload, a VPN or bond re-created, a NIC
 * hot-plugged) has a new ifindex and MAC, which the config gets, and the
 * program is attached to it again. So is a program that went missing (a
 * tcx link of the old device, a clsact filter removed) or that another one
 * took the place of. A missing uplink is a warning: the containers still
 * reach each other and the host.
 */
int ensure_uplink(struct eb_ctx *c)
{
	struct eb_link l;
	bool clsact = false, made = false;
	char name[16], why[160], ipb[16];
	int err;

	if (!c->cfg.uplink_ifindex || !c->cfg.snat_ip)
		return 0;
	if (eb_uplink_find(c->net, &c->nl, &c->cfg, &l, name)) {
		snprintf(c->e->warn, sizeof(c->e->warn),
			 "the uplink '%s' of network '%s' is missing: no traffic to or from the "
			 "outside until it is back and `ebnet up` runs",
			 name[0] ? name : "?", c->net);
		return 0;
	}
	eb_uplink_name_set(c->net, name);
	if (eb_uplink_state(c->net, &c->nl, &c->cfg, why, sizeof(why)))
		return 0;
	if ((__u32)l.ifindex != c->cfg.uplink_ifindex) {
		/* Made again: the old device's links are dead. */
		if (eb_nl_addr_on_link(&c->nl, l.ifindex, c->cfg.snat_ip) <= 0) {
			eb_errf(c->e, "the uplink '%s' of network '%s' was made again without the "
				      "address %s that the network translates to; add it, or `ebnet "
				      "down --net %s` and up again",
				name, c->net, eb_ip_str(c->cfg.snat_ip, ipb), c->net);
			return -EADDRNOTAVAIL;
		}
		c->cfg.uplink_ifindex = l.ifindex;
		memcpy(c->cfg.uplink_mac, l.mac, 6);
		c->cfg.flags &= ~EB_CFG_UPLINK_QDISC;
		eb_dp_detach_xdp(c->net);
		c->cfg.flags &= ~EB_CFG_XDP;
		err = ctx_write_cfg(c);
		if (err)
			return err;
	}
	err = eb_dp_attach_uplink(&c->dp, c->net, l.ifindex, l.name, c->uplink_attach, &clsact,
				  &made, c->e);
	if (err)
		return err;
	c->cfg.flags &= ~EB_CFG_UPLINK_CLSACT;
	if (clsact)
		c->cfg.flags |= EB_CFG_UPLINK_CLSACT;
	if (made)
		c->cfg.flags |= EB_CFG_UPLINK_QDISC;
	return ctx_write_cfg(c);
}

/* Is eb_xdp_uplink attached to the uplink the config names? A pinned link
 * of a device that is gone is dropped. */
static bool xdp_live(struct eb_ctx *c)
{
	__u32 ifindex = 0, id = 0;

	if (eb_link_pin_target(c->net, EB_LINK_PIN_XDP, &ifindex, &id))
		return false;
	if (ifindex == c->cfg.uplink_ifindex)
		return true;
	eb_dp_detach_xdp(c->net);
	return false;
}

/* GRO on a container's eth0: with XDP on the uplink, frames come to it as
 * XDP frames (bpf_redirect from XDP into the host-side veth), which a veth
 * takes only on its NAPI path, and GRO turns that on. */
static int ctr_gro(struct eb_endpoint *ep)
{
	int nsfd = eb_netns_open(ep->name), err;

	if (nsfd < 0)
		return nsfd;
	/* A no-op when it is on already: every `up` of a network with XDP
	 * comes here, and a change would restart eth0's NAPI under traffic.
	 * (GRO must have been turned on while eth0 was up; see ctr_finish.) */
	err = eb_set_gro_in(nsfd, "eth0", true);
	close(nsfd);
	return err;
}

/* Which XDP mode the network has: the one asked for, else the recorded one. */
static enum eb_xdp_mode xdp_mode(const struct eb_ctx *c, enum eb_xdp_mode want)
{
	if (want != EB_XDP_KEEP)
		return want;
	if (c->cfg.flags & EB_CFG_XDP_NATIVE)
		return EB_XDP_NATIVE;
	if (c->cfg.flags & EB_CFG_XDP_AUTO)
		return EB_XDP_AUTO;
	/* The default: off. Measured on a veth uplink (docs/BENCHMARKS.md),
	 * XDP gains nothing over TC where it does the work and costs
	 * throughput, and on a NIC it is not measured
	 * here; `--xdp auto` or `native` turn it on. */
	return EB_XDP_OFF;
}

/*
 * eb_xdp_uplink on the uplink, in front of eb_from_uplink (which stays and
 * takes whatever XDP passes). auto attaches it where the driver runs XDP
 * natively (a veth excepted), and otherwise says why in e->warn and goes on
 * with TC alone; native makes that an error; off (the default) removes it.
 * Idempotent; `up` heals it.
 */
int ensure_xdp(struct eb_ctx *c, enum eb_xdp_mode want)
{
	enum eb_xdp_mode mode = xdp_mode(c, want);
	__u32 flags = c->cfg.flags &
		      ~(EB_CFG_XDP_OFF | EB_CFG_XDP_NATIVE | EB_CFG_XDP_AUTO | EB_CFG_XDP);
	struct eb_link l;
	int err;

	if (!c->cfg.uplink_ifindex || !c->cfg.snat_ip)
		return 0;
	if (mode == EB_XDP_OFF) {
		err = eb_dp_detach_xdp(c->net);
		if (err) {
			eb_errf(c->e, "cannot remove the XDP link of network '%s': %s", c->net,
				strerror(-err));
			return err;
		}
		c->cfg.flags = flags | EB_CFG_XDP_OFF;
		return ctx_write_cfg(c);
	}
	flags |= mode == EB_XDP_NATIVE ? EB_CFG_XDP_NATIVE : EB_CFG_XDP_AUTO;
	if (!xdp_live(c)) {
		err = eb_nl_link_get_index(&c->nl, c->cfg.uplink_ifindex, &l);
		if (err) {
			eb_errf(c->e, "the uplink of network '%s' (ifindex %u) is gone", c->net,
				c->cfg.uplink_ifindex);
			return err;
		}
		if (mode == EB_XDP_AUTO && !strcmp(l.kind, "veth")) {
			/* A veth uplink (a host that is itself a container, a
			 * test bed): frames from local sockets reach it with
			 * partial checksums, which XDP cannot finish, so it
			 * would pass them all to TC at a cost. Measured in
			 * docs/BENCHMARKS.md; `--xdp native` forces it. */
			c->cfg.flags = flags;
			return ctx_write_cfg(c);
		}
		err = eb_dp_attach_xdp(&c->dp, c->net, l.ifindex, l.name, c->e);
		if (err && mode == EB_XDP_NATIVE) {
			snprintf(c->e->msg + strlen(c->e->msg), sizeof(c->e->msg) - strlen(c->e->msg),
				 "; `--xdp auto` falls back to TC, `--xdp off` uses TC only");
			return err;
		}
		if (err) {
			snprintf(c->e->warn, sizeof(c->e->warn),
				 "no XDP on the uplink (%.150s); published ports and replies go "
				 "through TC",
				 c->e->msg);
			c->e->msg[0] = 0;
			c->cfg.flags = flags;
			return ctx_write_cfg(c);
		}
	}
	/* Containers made before XDP came need GRO (NAPI) on eth0 too. */
	for (int i = 0; i < c->neps; i++)
		if ((c->eps[i].flags & (EB_EP_READY | EB_EP_ATTACHED)) == EB_EP_READY)
			ctr_gro(&c->eps[i]);
	c->cfg.flags = flags | EB_CFG_XDP;
	return ctx_write_cfg(c);
}
