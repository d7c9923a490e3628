// SPDX-License-Identifier: GPL-2.0
/* Attaching the programs of a network: eb_from_container on a port (tcx
 * or clsact), eb_from_uplink and eb_xdp_uplink on the uplink, the cgroup
 * sock_addr programs on the root cgroup; see dp.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp_priv.h"
#include "ebnet_maps.h"

/* tcx arrived in Linux 6.6; the uapi headers of older distributions do not
 * name it, the value is fixed by the kernel ABI. */
#define EB_BPF_TCX_INGRESS 46

static int attach_clsact(int prog_fd, int ifindex, const char *ifname, __u32 prio,
			 bool *made_qdisc, struct eb_err *e)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = prio, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (made_qdisc)
		*made_qdisc = err == 0;
	if (err && err != -EEXIST) {
		eb_errf(e, "cannot add a clsact qdisc to '%s': %s", ifname, strerror(-err));
		return err;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		eb_errf(e, "cannot attach the TC program to '%s' (clsact): %s", ifname,
			strerror(-err));
	return err;
}

/* Pins the link fd as pin and closes it: the link lives as long as its
 * pin, so the attachment outlives ebnet. what: "tcx", "XDP". */
static int pin_link(const char *net, int fd, const char *pin, const char *what,
		    const char *ifname, struct eb_err *e)
{
	char p[PATH_MAX];
	int err;

	pin_path(net, pin, p, sizeof(p));
	unlink(p);
	err = bpf_obj_pin(fd, p) < 0 ? -errno : 0;
	if (err)
		eb_errf(e, "cannot pin the %s link of '%s' at '%s': %s", what, ifname, p,
			strerror(-err));
	close(fd);
	return err;
}

static int attach_tcx(const char *net, int prog_fd, int ifindex, const char *ifname,
		      const char *pin, struct eb_err *e)
{
	int fd = bpf_link_create(prog_fd, ifindex, EB_BPF_TCX_INGRESS, NULL);

	if (fd < 0)
		return fd;
	return pin_link(net, fd, pin, "tcx", ifname, e);
}

static int attach_any(const char *net, int prog_fd, int ifindex, const char *ifname,
		      const char *pin, __u32 prio, enum eb_attach mode, bool *clsact,
		      bool *made_qdisc, struct eb_err *e)
{
	int err;

	if (mode == EB_ATTACH_CLSACT) {
		*clsact = true;
		return attach_clsact(prog_fd, ifindex, ifname, prio, made_qdisc, e);
	}
	err = attach_tcx(net, prog_fd, ifindex, ifname, pin, e);
	if (!err) {
		*clsact = false;
		return 0;
	}
	if (mode == EB_ATTACH_TCX || (err != -EINVAL && err != -EOPNOTSUPP)) {
		if (!e->msg[0])
			eb_errf(e, "cannot attach the TC program to '%s' with tcx: %s%s", ifname,
				strerror(-err),
				err == -EINVAL ? " (this kernel has no tcx; use --attach clsact)"
					       : "");
		return err;
	}
	/* No tcx in this kernel (before 6.6): the classic clsact qdisc. */
	*clsact = true;
	return attach_clsact(prog_fd, ifindex, ifname, prio, made_qdisc, e);
}

int eb_dp_attach(const struct eb_dp *dp, const char *net, int ifindex, const char *ifname,
		 enum eb_attach mode, bool *clsact, struct eb_err *e)
{
	char pin[64];

	snprintf(pin, sizeof(pin), "link_%s", ifname);
	return attach_any(net, dp->prog_container, ifindex, ifname, pin, 1, mode, clsact, NULL, e);
}

int eb_dp_clsact_prepare(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	int err = bpf_tc_hook_create(&hook);

	return err == -EEXIST ? 0 : err;
}

__u32 eb_uplink_prio(const char *net)
{
	__u32 h = 2166136261u;

	for (; *net; net++)
		h = (h ^ (unsigned char)*net) * 16777619u;
	/* Each network its own clsact priority on a shared uplink. */
	return 0x100 + h % 0x7000;
}

int eb_dp_attach_uplink(const struct eb_dp *dp, const char *net, int ifindex,
			const char *ifname, enum eb_attach mode, bool *clsact, bool *made_qdisc,
			struct eb_err *e)
{
	return attach_any(net, dp->prog_uplink, ifindex, ifname, EB_LINK_PIN_UPLINK,
			  eb_uplink_prio(net), mode, clsact, made_qdisc, e);
}

bool eb_dp_uplink_attached(const char *net)
{
	char p[PATH_MAX];

	pin_path(net, EB_LINK_PIN_UPLINK, p, sizeof(p));
	return access(p, F_OK) == 0;
}

int eb_dp_detach_uplink_clsact(const char *net, int ifindex, bool destroy_qdisc)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = eb_uplink_prio(net));
	int err;

	err = bpf_tc_detach(&hook, &opts);
	if (destroy_qdisc) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	return err == -ENOENT ? 0 : err;
}

bool eb_dp_xdp_attached(const char *net)
{
	char p[PATH_MAX];

	pin_path(net, EB_LINK_PIN_XDP, p, sizeof(p));
	return access(p, F_OK) == 0;
}

int eb_dp_attach_xdp(const struct eb_dp *dp, const char *net, int ifindex, const char *ifname,
		     struct eb_err *e)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = XDP_FLAGS_DRV_MODE);
	int fd, err;

	/* Native (driver) mode only: generic XDP runs after the socket buffer
	 * is built, where the TC program already does the same work. */
	fd = bpf_link_create(dp->prog_xdp, ifindex, BPF_XDP, &lo);
	if (fd < 0) {
		err = fd;
		if (err == -EOPNOTSUPP)
			eb_errf(e, "the driver of uplink '%s' has no native XDP", ifname);
		else if (err == -EBUSY || err == -EEXIST)
			eb_errf(e, "uplink '%s' has an XDP program already (another network's or "
				   "another tool's; `ip link show %s`)",
				ifname, ifname);
		else
			eb_errf(e, "cannot attach XDP to uplink '%s': %s", ifname, strerror(-err));
		return err;
	}
	return pin_link(net, fd, EB_LINK_PIN_XDP, "XDP", ifname, e);
}

int eb_dp_detach_xdp(const char *net)
{
	char p[PATH_MAX];

	pin_path(net, EB_LINK_PIN_XDP, p, sizeof(p));
	if (unlink(p) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Where cgroup v2 is mounted: /sys/fs/cgroup on unified hosts,
 * /sys/fs/cgroup/unified on hybrid ones. -ENOENT if nowhere. */
int eb_cgroup2_root(char *buf, size_t len)
{
	char dev[256], dir[PATH_MAX], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fscanf(f, "%255s %4095s %63s %*[^\n]", dev, dir, type) == 3) {
		if (!strcmp(type, "cgroup2")) {
			snprintf(buf, len, "%s", dir);
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

int eb_dp_attach_sock(const struct eb_dp *dp, const char *net, struct eb_err *e)
{
	char p[PATH_MAX], root[PATH_MAX];
	int cg, fd, err = 0;

	err = eb_cgroup2_root(root, sizeof(root));
	if (err) {
		eb_errf(e, "no cgroup v2 mounted: the host's own connections to published ports "
			   "cannot be translated");
		return err;
	}
	cg = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		err = -errno;
		eb_errf(e, "cannot open the cgroup v2 root '%s': %s", root, strerror(-err));
		return err;
	}
	for (int i = 0; i < EB_NSOCK_PROGS; i++) {
		pin_path(net, eb_sock_progs[i].link, p, sizeof(p));
		if (access(p, F_OK) == 0)
			continue;
		fd = bpf_link_create(dp->prog_sock[i], cg, eb_sock_progs[i].type, NULL);
		if (fd < 0) {
			err = fd;
			eb_errf(e, "cannot attach %s to the root cgroup: %s", eb_sock_progs[i].pin + 5,
				strerror(-err));
			break;
		}
		err = bpf_obj_pin(fd, p) < 0 ? -errno : 0;
		close(fd);
		if (err) {
			eb_errf(e, "cannot pin '%s': %s", p, strerror(-err));
			break;
		}
	}
	close(cg);
	return err;
}

int eb_dp_detach(const char *net, const char *ifname)
{
	char p[PATH_MAX], name[64];

	snprintf(name, sizeof(name), "link_%s", ifname);
	pin_path(net, name, p, sizeof(p));
	if (unlink(p) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
