// SPDX-License-Identifier: GPL-2.0
/*
 * What a network's attachments look like now, against what ebnet made:
 * the program on each container port and on the uplink (present, ours,
 * on the device it was made for), the uplink by its name. `ebnet ls` shows
 * it, `ebnet up` repairs by it. See health.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "health.h"
#include "dp.h"
#include "netns.h"
#include "ebnet_maps.h"

static void pin_of(const char *net, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s", EB_PIN_ROOT, net, name);
}

__u32 eb_pinned_prog_id(const char *net, const char *pin)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char p[PATH_MAX];
	int fd;

	pin_of(net, pin, p, sizeof(p));
	fd = bpf_obj_get(p);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

int eb_link_pin_target(const char *net, const char *pin, __u32 *ifindex, __u32 *prog_id)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char p[PATH_MAX];
	int fd, err = 0;

	pin_of(net, pin, p, sizeof(p));
	fd = bpf_obj_get(p);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	close(fd);
	if (err)
		return err;
	/* tcx and XDP links both keep the device's ifindex first in their
	 * part of the union (the kernel's bpf_link_info: tcx.ifindex,
	 * xdp.ifindex); the system's uapi header may predate tcx. 0: the
	 * device is gone and the link with it. */
	*ifindex = info.xdp.ifindex;
	*prog_id = info.prog_id;
	return 0;
}

int eb_clsact_prog(int ifindex, __u32 prio, __u32 *prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = prio);
	libbpf_print_fn_t old;
	int err;

	/* A port with no clsact qdisc is an answer here, not a fault
	 * worth libbpf's print ("Parent Qdisc doesn't exists"). */
	old = libbpf_set_print(NULL);
	err = bpf_tc_query(&hook, &opts);
	libbpf_set_print(old);
	*prog_id = err ? 0 : opts.prog_id;
	return err;
}

bool eb_port_state(const char *net, struct eb_nl *nl, const struct eb_endpoint *ep, __u32 prog_id,
		   char *why, size_t len)
{
	struct eb_link l;
	__u32 ifindex = 0, id = 0;
	char pin[64];

	why[0] = 0;
	if (!(ep->flags & EB_EP_READY)) {
		snprintf(why, len, "incomplete (an interrupted up: `ebnet up` finishes it)");
		return false;
	}
	/* An attached container's namespace is the runtime's, not under
	 * /run/netns (`ebnet gc` reclaims one that is gone). */
	if (!(ep->flags & EB_EP_ATTACHED) && !eb_netns_exists(ep->name)) {
		snprintf(why, len, "namespace missing");
		return false;
	}
	if (eb_nl_link_get(nl, ep->host_dev, &l) || l.ifindex != (int)ep->ifindex) {
		snprintf(why, len, "host veth %s missing", ep->host_dev);
		return false;
	}
	if (ep->flags & EB_EP_CLSACT) {
		if (eb_clsact_prog(ep->ifindex, 1, &id) || !id)
			snprintf(why, len, "program missing (no clsact filter on %s)", ep->host_dev);
	} else {
		snprintf(pin, sizeof(pin), "link_%s", ep->host_dev);
		if (eb_link_pin_target(net, pin, &ifindex, &id) || ifindex != ep->ifindex)
			snprintf(why, len, "program missing (no tcx link on %s)", ep->host_dev);
	}
	if (!why[0] && prog_id && id != prog_id)
		snprintf(why, len, "foreign program on %s (id %u, not eb_from_container)",
			 ep->host_dev, id);
	return true;
}

int eb_uplink_name_get(const char *net, char name[16])
{
	struct eb_uplink_rec r = {};
	char p[PATH_MAX];
	__u32 zero = 0;
	int fd, err = 0;

	name[0] = 0;
	pin_of(net, EB_MAP_UPLINK, p, sizeof(p));
	fd = bpf_obj_get(p);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &zero, &r))
		err = -errno;
	close(fd);
	memcpy(name, r.name, 16);
	name[15] = 0;
	return err;
}

int eb_uplink_name_set(const char *net, const char *name)
{
	struct eb_uplink_rec r = {};
	char p[PATH_MAX];
	__u32 zero = 0;
	int fd, err = 0;

	snprintf(r.name, sizeof(r.name), "%s", name);
	pin_of(net, EB_MAP_UPLINK, p, sizeof(p));
	fd = bpf_obj_get(p);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(fd, &zero, &r, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
}

int eb_uplink_find(const char *net, struct eb_nl *nl, const struct eb_config *cfg,
		   struct eb_link *l, char name[16])
{
	if (eb_uplink_name_get(net, name) || !name[0]) {
		/* A network of a build that did not record the name: the
		 * device's, while it is there. */
		if (eb_nl_link_get_index(nl, cfg->uplink_ifindex, l))
			return -ENOENT;
		memcpy(name, l->name, 16);
		return 0;
	}
	return eb_nl_link_get(nl, name, l);
}

bool eb_uplink_state(const char *net, struct eb_nl *nl, const struct eb_config *cfg, char *why,
		     size_t len)
{
	struct eb_link l;
	char name[16];
	__u32 ifindex = 0, id = 0, want;

	why[0] = 0;
	if (!cfg->uplink_ifindex || !cfg->snat_ip)
		return true;
	if (eb_uplink_find(net, nl, cfg, &l, name)) {
		snprintf(why, len, "missing (no device '%s'; `ebnet up` attaches again once it is back)",
			 name[0] ? name : "?");
		return false;
	}
	if ((__u32)l.ifindex != cfg->uplink_ifindex) {
		snprintf(why, len, "re-created ('%s' is ifindex %d, was %u; `ebnet up` attaches to it)",
			 name, l.ifindex, cfg->uplink_ifindex);
		return false;
	}
	want = eb_pinned_prog_id(net, EB_PROG_PIN_UPLINK);
	if (cfg->flags & EB_CFG_UPLINK_CLSACT) {
		if (eb_clsact_prog(l.ifindex, eb_uplink_prio(net), &id) || !id) {
			snprintf(why, len, "program missing (no clsact filter on '%s')", name);
			return false;
		}
	} else if (eb_link_pin_target(net, EB_LINK_PIN_UPLINK, &ifindex, &id) ||
		   ifindex != (__u32)l.ifindex) {
		snprintf(why, len, "program missing (no tcx link on '%s')", name);
		return false;
	}
	if (want && id != want) {
		snprintf(why, len, "foreign program on '%s' (id %u, not eb_from_uplink)", name, id);
		return false;
	}
	if ((cfg->flags & EB_CFG_XDP) &&
	    (eb_link_pin_target(net, EB_LINK_PIN_XDP, &ifindex, &id) || ifindex != (__u32)l.ifindex)) {
		snprintf(why, len, "XDP program missing on '%s'", name);
		return false;
	}
	return true;
}
