// SPDX-License-Identifier: GPL-2.0
/* Pinned maps and programs of a network; see dp.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>
#include <pthread.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp.h"
#include "ebnet_maps.h"
#include "container.skel.h"
#include "uplink.skel.h"
#include "uplink_xdp.skel.h"
#include <linux/if_link.h>
#include "host_sock.skel.h"
#include "gc.skel.h"
#include "build_id.h"

/* tcx arrived in Linux 6.6; the uapi headers of older distributions do not
 * name it, the value is fixed by the kernel ABI. */
#define EB_BPF_TCX_INGRESS 46

void eb_dp_init(struct eb_dp *dp)
{
	dp->cfg = dp->endpoints = dp->ports = dp->fdb = dp->flood = dp->stats = -1;
	dp->prog_container = dp->prog_uplink = dp->prog_xdp = -1;
	dp->ct_tcp = dp->ct_other = dp->published = dp->netns = -1;
	dp->ctr_slots = dp->port_stats = -1;
	dp->published6 = -1;
	dp->upgraded = false;
	dp->pending = NULL;
	for (int i = 0; i < EB_NSOCK_PROGS; i++)
		dp->prog_sock[i] = -1;
}

const struct eb_sock_prog eb_sock_progs[EB_NSOCK_PROGS] = {
	{ "prog_connect4", "link_cg_connect4", BPF_CGROUP_INET4_CONNECT },
	{ "prog_sendmsg4", "link_cg_sendmsg4", BPF_CGROUP_UDP4_SENDMSG },
	{ "prog_recvmsg4", "link_cg_recvmsg4", BPF_CGROUP_UDP4_RECVMSG },
	{ "prog_getpeername4", "link_cg_getpeername4", BPF_CGROUP_INET4_GETPEERNAME },
	{ "prog_connect6", "link_cg_connect6", BPF_CGROUP_INET6_CONNECT },
	{ "prog_sendmsg6", "link_cg_sendmsg6", BPF_CGROUP_UDP6_SENDMSG },
	{ "prog_recvmsg6", "link_cg_recvmsg6", BPF_CGROUP_UDP6_RECVMSG },
	{ "prog_getpeername6", "link_cg_getpeername6", BPF_CGROUP_INET6_GETPEERNAME },
};

static int pending_join(struct eb_dp *dp);

void eb_dp_close(struct eb_dp *dp)
{
	int *fds[] = { &dp->cfg, &dp->endpoints, &dp->ports, &dp->fdb,
		       &dp->flood, &dp->stats, &dp->prog_container, &dp->prog_uplink,
		       &dp->prog_xdp,
		       &dp->ct_tcp, &dp->ct_other, &dp->published, &dp->netns,
		       &dp->ctr_slots, &dp->port_stats,
		       &dp->prog_sock[0], &dp->prog_sock[1], &dp->prog_sock[2],
		       &dp->prog_sock[3], &dp->prog_sock[4], &dp->prog_sock[5],
		       &dp->prog_sock[6], &dp->prog_sock[7], &dp->published6 };
	size_t i;

	pending_join(dp); /* never leave a loader thread behind */
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

void eb_pin_dir(const char *net, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", EB_PIN_ROOT, net);
}

static void pin_path(const char *net, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s", EB_PIN_ROOT, net, name);
}

bool eb_dp_exists(const char *net)
{
	struct eb_config cfg = {};
	char p[PATH_MAX];
	__u32 zero = 0;
	bool ok;
	int fd;

	/* A network exists once its config is written: `up` writes it right
	 * after pinning the maps, and a run killed in between left only
	 * empty maps, which the next `up` takes over. */
	pin_path(net, EB_MAP_CONFIG, p, sizeof(p));
	fd = bpf_obj_get(p);
	if (fd < 0)
		return false;
	{
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		/* Of another layout: it exists, though this ebnet cannot use it
		 * (eb_dp_open says so in words). */
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.value_size != sizeof(cfg)) {
			close(fd);
			return true;
		}
	}
	ok = bpf_map_lookup_elem(fd, &zero, &cfg) == 0 && cfg.prefix_len != 0;
	close(fd);
	return ok;
}

int eb_dp_mount_bpffs(struct eb_err *e)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") < 0) {
		int err = -errno;

		eb_errf(e, "cannot mount bpffs on /sys/fs/bpf: %s", strerror(-err));
		return err;
	}
	return 0;
}

static const char *map_type_str(unsigned int t)
{
	const char *s = libbpf_bpf_map_type_str(t);

	return s ? s : "unknown";
}

/* Maps whose size is a setting of `ebnet up` rather than of the build. */
static bool eb_map_is_sized(const char *name)
{
	return !strcmp(name, EB_MAP_CT_TCP) || !strcmp(name, EB_MAP_CT_OTHER);
}

/* The pinned map, if there is one, has the layout this build expects. */
static int check_pinned_map(const char *net, const struct bpf_map *want, struct eb_err *e)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char p[PATH_MAX];
	int fd, err = 0;

	pin_path(net, bpf_map__name(want), p, sizeof(p));
	fd = bpf_obj_get(p);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		err = -errno;
		eb_errf(e, "cannot open pinned map '%s': %s", p, strerror(-err));
		return err;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
		err = -errno;
		eb_errf(e, "cannot read pinned map '%s': %s", p, strerror(-err));
	} else if (info.type != bpf_map__type(want)) {
		eb_errf(e, "pinned map '%s' is a %s, this ebnet expects a %s", p,
			map_type_str(info.type), map_type_str(bpf_map__type(want)));
		err = -EINVAL;
	} else if (info.key_size != bpf_map__key_size(want) ||
		   info.value_size != bpf_map__value_size(want)) {
		eb_errf(e,
			"pinned map '%s' has %u-byte keys and %u-byte values, this ebnet expects "
			"%u and %u: it was made by another version of ebnet; remove the network "
			"with that version, or with `ebnet down --net %s` (its containers go too)",
			p, info.key_size, info.value_size, bpf_map__key_size(want),
			bpf_map__value_size(want), net);
		err = -EINVAL;
	} else if (eb_map_is_sized(bpf_map__name(want))) {
		/* A setting: take the pinned map's size, so that libbpf reuses it. */
		bpf_map__set_max_entries((struct bpf_map *)want, info.max_entries);
	} else if (!strcmp(bpf_map__name(want), EB_MAP_STATS) &&
		   info.max_entries < bpf_map__max_entries(want)) {
		/* An earlier build's, of fewer counters: read as far as it
		 * goes; the upgrade grows it (set_aside_small_stats). */
	} else if (info.max_entries != bpf_map__max_entries(want)) {
		eb_errf(e, "pinned map '%s' holds %u entries, this ebnet expects %u", p,
			info.max_entries, bpf_map__max_entries(want));
		err = -EINVAL;
	}
	close(fd);
	return err;
}

int eb_pin_open(const char *net, const char *name, struct eb_err *e)
{
	char p[PATH_MAX];
	int fd, err;

	pin_path(net, name, p, sizeof(p));
	fd = bpf_obj_get(p);
	if (fd >= 0)
		return fd;
	err = -errno;
	if (e)
		eb_errf(e, "cannot open pinned object '%s': %s%s", p, strerror(-err),
			err == -ENOENT ? " (is the network up?)" : "");
	return err;
}

static int open_pin(const char *net, const char *name, int *fd, struct eb_err *e)
{
	*fd = eb_pin_open(net, name, e);
	if (*fd < 0) {
		int err = *fd;

		*fd = -1;
		return err;
	}
	return 0;
}

static int check_all_maps(const char *net, struct bpf_object *obj, struct eb_err *e)
{
	struct bpf_map *m;
	int err;

	bpf_object__for_each_map(m, obj) {
		/* .rodata and the like, and maps of one object's own. */
		if (bpf_map__is_internal(m) || !bpf_map__pin_path(m))
			continue;
		err = check_pinned_map(net, m, e);
		if (err)
			return err;
	}
	return 0;
}

static int open_maps_how(const char *net, struct eb_dp *dp, bool lenient, struct eb_err *e)
{
	struct {
		const char *name;
		int *fd;
		__u32 vsize;
	} m[] = {
		{ EB_MAP_CONFIG, &dp->cfg, sizeof(struct eb_config) },
		{ EB_MAP_ENDPOINTS, &dp->endpoints, sizeof(struct eb_endpoint) },
		{ EB_MAP_PORTS, &dp->ports, sizeof(struct eb_endpoint) },
		{ EB_MAP_FDB, &dp->fdb, sizeof(struct eb_fdb_entry) },
		{ EB_MAP_FLOOD, &dp->flood, sizeof(__u32) },
		{ EB_MAP_STATS, &dp->stats, sizeof(struct eb_counter_val) },
		{ EB_MAP_CT_TCP, &dp->ct_tcp, sizeof(struct eb_ct_entry) },
		{ EB_MAP_CT_OTHER, &dp->ct_other, sizeof(struct eb_ct_entry) },
		{ EB_MAP_PUBLISHED, &dp->published, sizeof(struct eb_pub_val) },
		{ EB_MAP_NETNS, &dp->netns, sizeof(__u32) },
		{ EB_MAP_CTR_STATS, &dp->ctr_slots, sizeof(struct eb_ctr_counters) },
		{ EB_MAP_PORT_STATS, &dp->port_stats, sizeof(struct eb_counter_val) },
	};
	size_t i;
	int err;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		err = open_pin(net, m[i].name, m[i].fd, e);
		if (err && !lenient)
			return err;
		if (lenient && *m[i].fd >= 0) {
			struct bpf_map_info info = {};
			__u32 len = sizeof(info);

			/* Of another layout: not ours to read. */
			if (bpf_obj_get_info_by_fd(*m[i].fd, &info, &len) ||
			    info.value_size != m[i].vsize) {
				close(*m[i].fd);
				*m[i].fd = -1;
			}
		}
	}
	if (lenient)
		e->msg[0] = 0;
	/* Optional: a network of an earlier build has none until `up`. */
	dp->published6 = eb_pin_open(net, EB_MAP_PUBLISHED6, NULL);
	return 0;
}

static int open_maps(const char *net, struct eb_dp *dp, struct eb_err *e)
{
	return open_maps_how(net, dp, false, e);
}

void eb_dp_open_lenient(const char *net, struct eb_dp *dp)
{
	struct eb_err e = {};

	eb_dp_init(dp);
	open_maps_how(net, dp, true, &e);
}

int eb_dp_open(const char *net, struct eb_dp *dp, struct eb_err *e)
{
	struct container_bpf *skel;
	int err;

	eb_dp_init(dp);
	skel = container_bpf__open();
	if (!skel) {
		err = -errno;
		eb_errf(e, "cannot open the built-in BPF object: %s", strerror(-err));
		return err;
	}
	err = check_all_maps(net, skel->obj, e);
	container_bpf__destroy(skel);
	if (!err)
		err = open_maps(net, dp, e);
	if (err)
		eb_dp_close(dp);
	return err;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static int libbpf_loud(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

/* Loads one object against the network's pins and pins its program. */
static int load_and_pin(const char *net, struct bpf_object *obj, const char *pin,
			const struct eb_dp_sizes *sz, bool verbose, struct eb_err *e)
{
	char p[PATH_MAX], name[128];
	struct bpf_program *prog;
	struct bpf_map *m;
	int err;

	bpf_object__for_each_map(m, obj) {
		if (sz && !strcmp(bpf_map__name(m), EB_MAP_CT_TCP) && sz->ct_tcp)
			bpf_map__set_max_entries(m, sz->ct_tcp);
		if (sz && !strcmp(bpf_map__name(m), EB_MAP_CT_OTHER) && sz->ct_other)
			bpf_map__set_max_entries(m, sz->ct_other);
	}
	/* Pinned maps keep their size (check_all_maps adjusts it). */
	err = check_all_maps(net, obj, e);
	if (err)
		return err;
	err = bpf_object__load(obj);
	if (err) {
		eb_errf(e, "cannot load the datapath (%s) into the kernel: %s%s", pin,
			strerror(-err), verbose ? "" : " (run with -v for the verifier's log)");
		return err;
	}
	/* Every program pinned as prog_<name>, its "eb_" left out. */
	bpf_object__for_each_program(prog, obj) {
		const char *n = bpf_program__name(prog);

		snprintf(name, sizeof(name), "prog_%s", strncmp(n, "eb_", 3) ? n : n + 3);
		pin_path(net, name, p, sizeof(p));
		unlink(p);
		err = bpf_program__pin(prog, p);
		if (err) {
			eb_errf(e, "cannot pin '%s': %s", p, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Were the programs attached now built from another datapath than this
 * ebnet's? EBNET_FORCE_UPGRADE=1 says yes (tests use it). */
static bool needs_upgrade(const char *net)
{
	struct eb_build b = {};
	char p[PATH_MAX];
	__u32 zero = 0;
	const char *force = getenv("EBNET_FORCE_UPGRADE");
	int fd;

	pin_path(net, EB_PROG_PIN_CONTAINER, p, sizeof(p));
	if (access(p, F_OK) < 0)
		return false; /* nothing attached yet */
	if (force && !strcmp(force, "1"))
		return true;
	pin_path(net, EB_MAP_BUILD, p, sizeof(p));
	fd = bpf_obj_get(p);
	if (fd < 0)
		return true; /* from before builds were recorded */
	bpf_map_lookup_elem(fd, &zero, &b);
	close(fd);
	return strncmp(b.id, EB_BUILD_ID, sizeof(b.id)) != 0;
}

static int write_build(const char *net, struct eb_err *e)
{
	struct eb_build b = {};
	char p[PATH_MAX];
	__u32 zero = 0;
	int fd, err = 0;

	snprintf(b.id, sizeof(b.id), "%s", EB_BUILD_ID);
	pin_path(net, EB_MAP_BUILD, p, sizeof(p));
	fd = bpf_obj_get(p);
	if (fd < 0)
		return 0; /* made by the next load */
	if (bpf_map_update_elem(fd, &zero, &b, BPF_ANY) < 0) {
		err = -errno;
		eb_errf(e, "cannot write map '%s': %s", EB_MAP_BUILD, strerror(-err));
	}
	close(fd);
	return err;
}

/* After an upgrade: every pinned link (tcx ports, the uplink, the cgroup
 * hooks) gets the new program in one atomic step each (bpf_link_update);
 * packets see the old program or the new one, never none. */
static int swap_links(const char *net, struct eb_err *e)
{
	char dir[PATH_MAX], p[PATH_MAX * 2], prog[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;
	int err = 0;

	eb_pin_dir(net, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		int lfd, pfd;

		if (strncmp(n, "link_", 5))
			continue;
		if (!strcmp(n, EB_LINK_PIN_UPLINK))
			pin_path(net, EB_PROG_PIN_UPLINK, prog, sizeof(prog));
		else if (!strcmp(n, EB_LINK_PIN_XDP))
			pin_path(net, EB_PROG_PIN_XDP, prog, sizeof(prog));
		else if (!strncmp(n, "link_cg_", 8))
			snprintf(prog, sizeof(prog), "%s/prog_%s", dir, n + 8);
		else
			pin_path(net, EB_PROG_PIN_CONTAINER, prog, sizeof(prog));
		snprintf(p, sizeof(p), "%s/%s", dir, n);
		lfd = bpf_obj_get(p);
		pfd = bpf_obj_get(prog);
		if (lfd < 0 || pfd < 0) {
			/* Nothing of an upgrade is skipped in silence. */
			err = -errno;
			eb_errf(e, "cannot open '%s' to give it the new program: %s",
				lfd < 0 ? p : prog, strerror(-err));
		} else if (bpf_link_update(lfd, pfd, NULL) < 0) {
			err = -errno;
			if (err == -ENOLINK) {
				/* Its device is gone (an uplink or a port removed):
				 * the dead link goes, and `up` attaches the device
				 * that has the name now. */
				unlink(p);
				err = 0;
			} else {
				eb_errf(e, "cannot give '%s' the new program: %s", p,
					strerror(-err));
			}
		}
		if (lfd >= 0)
			close(lfd);
		if (pfd >= 0)
			close(pfd);
		if (err)
			break;
	}
	closedir(d);
	return err;
}

/* An upgrade from a build whose FDB was eb_fdb (MAC -> ifindex): before the
 * new programs take over, eb_fdb_v2 gets every entry, with the port's slot
 * from eb_ports. The old map stays pinned (the old programs still run on
 * it) until eb_dp_retire_old_maps. Run again by an upgrade that was
 * interrupted: entries are written with BPF_ANY, the same each time. */
static int fill_fdb_v2(const char *net, struct eb_err *e)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct eb_mac_key k, next;
	void *prev = NULL;
	char p[PATH_MAX];
	int old, fdb = -1, ports = -1, err = 0;

	pin_path(net, EB_MAP_OLD_FDB, p, sizeof(p));
	old = bpf_obj_get(p);
	if (old < 0)
		return 0; /* not from such a build */
	if (bpf_obj_get_info_by_fd(old, &info, &len) || info.key_size != sizeof(k) ||
	    info.value_size != sizeof(__u32))
		goto out; /* not the map this code knows: nothing to carry over */
	err = open_pin(net, EB_MAP_FDB, &fdb, e);
	if (!err)
		err = open_pin(net, EB_MAP_PORTS, &ports, e);
	while (!err && bpf_map_get_next_key(old, prev, &next) == 0) {
		struct eb_ifindex_key pk = {};
		struct eb_endpoint ep;
		struct eb_fdb_entry v = {};

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(old, &k, &pk.ifindex) ||
		    bpf_map_lookup_elem(ports, &pk, &ep) || ep.flood_slot >= EB_MAX_ENDPOINTS)
			continue; /* a port half made or half gone: `up` redoes it */
		v.ifindex = pk.ifindex;
		v.slot = ep.flood_slot;
		if (bpf_map_update_elem(fdb, &k, &v, BPF_ANY) < 0) {
			err = -errno;
			eb_errf(e, "cannot carry the FDB over to '%s': %s", EB_MAP_FDB,
				strerror(-err));
		}
	}
out:
	close(old);
	if (fdb >= 0)
		close(fdb);
	if (ports >= 0)
		close(ports);
	return err;
}

int eb_dp_ctr_zero(const struct eb_dp *dp, __u32 slot)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	struct eb_ctr_counters *v;

	if (slot >= EB_MAX_ENDPOINTS || dp->ctr_slots < 0 || ncpu <= 0)
		return -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_update_elem(dp->ctr_slots, &slot, v, BPF_ANY) < 0)
		err = -errno;
	free(v);
	return err;
}

/* An upgrade from a build whose eb_stats held fewer counters: its pin is
 * moved aside to EB_MAP_OLD_STATS, so that the new objects create the
 * grown map under the same name (what bpftool and scripts read), and the
 * old programs count into the old map until the new ones take over;
 * eb_dp_retire_old_maps then adds its counts to the new map. A run that
 * stopped after the move finds eb_stats missing and creates it. */
static int set_aside_small_stats(const char *net, struct eb_err *e)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char p[PATH_MAX], old[PATH_MAX];
	int fd, err = 0;

	pin_path(net, EB_MAP_STATS, p, sizeof(p));
	pin_path(net, EB_MAP_OLD_STATS, old, sizeof(old));
	fd = bpf_obj_get(p);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	    info.type == BPF_MAP_TYPE_PERCPU_ARRAY && info.key_size == sizeof(__u32) &&
	    info.value_size == sizeof(struct eb_counter_val) && info.max_entries < EB_CNT_MAX &&
	    access(old, F_OK) < 0 && rename(p, old) < 0) {
		err = -errno;
		eb_errf(e, "cannot move '%s' aside to grow it: %s", p, strerror(-err));
	}
	close(fd);
	return err;
}

/* Adds the counts of the set-aside eb_stats to the new one. */
static void retire_small_stats(const struct eb_dp *dp, const char *net)
{
	int ncpu = libbpf_num_possible_cpus(), old;
	struct eb_counter_val *ov = NULL, *nv = NULL;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char p[PATH_MAX];

	pin_path(net, EB_MAP_OLD_STATS, p, sizeof(p));
	old = bpf_obj_get(p);
	if (old < 0)
		return;
	/* Unpinned first: a run that stops halfway loses some counts rather
	 * than adding them twice. */
	unlink(p);
	if (ncpu <= 0 || dp->stats < 0 || bpf_obj_get_info_by_fd(old, &info, &len) ||
	    info.value_size != sizeof(*ov))
		goto out;
	ov = calloc(ncpu, sizeof(*ov));
	nv = calloc(ncpu, sizeof(*nv));
	if (!ov || !nv)
		goto out;
	for (__u32 i = 0; i < info.max_entries && i < EB_CNT_MAX; i++) {
		if (bpf_map_lookup_elem(old, &i, ov) || bpf_map_lookup_elem(dp->stats, &i, nv))
			continue;
		for (int c = 0; c < ncpu; c++) {
			nv[c].packets += ov[c].packets;
			nv[c].bytes += ov[c].bytes;
		}
		bpf_map_update_elem(dp->stats, &i, nv, BPF_ANY);
	}
out:
	free(ov);
	free(nv);
	close(old);
}

void eb_dp_retire_old_maps(const struct eb_dp *dp, const char *net)
{
	int ncpu = libbpf_num_possible_cpus();
	struct eb_ctr_counters *ov = NULL, *nv = NULL;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), k, next;
	void *prev = NULL;
	char p[PATH_MAX];
	int old;

	pin_path(net, EB_MAP_OLD_FDB, p, sizeof(p));
	unlink(p);
	retire_small_stats(dp, net);
	pin_path(net, EB_MAP_OLD_CTR_STATS, p, sizeof(p));
	old = bpf_obj_get(p);
	if (old < 0)
		return;
	/* Unpinned first: a run that stops halfway loses some counts rather
	 * than adding them twice. */
	unlink(p);
	if (ncpu <= 0 || dp->ctr_slots < 0 || bpf_obj_get_info_by_fd(old, &info, &len) ||
	    info.type != BPF_MAP_TYPE_PERCPU_HASH || info.key_size != sizeof(k) ||
	    info.value_size != sizeof(*ov))
		goto out;
	ov = calloc(ncpu, sizeof(*ov));
	nv = calloc(ncpu, sizeof(*nv));
	if (!ov || !nv)
		goto out;
	while (bpf_map_get_next_key(old, prev, &next) == 0) {
		struct eb_ifindex_key pk = { .ifindex = next };
		struct eb_endpoint ep;

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(old, &k, ov) || bpf_map_lookup_elem(dp->ports, &pk, &ep) ||
		    ep.flood_slot >= EB_MAX_ENDPOINTS ||
		    bpf_map_lookup_elem(dp->ctr_slots, &ep.flood_slot, nv))
			continue;
		for (int c = 0; c < ncpu; c++) {
			nv[c].from_packets += ov[c].from_packets;
			nv[c].from_bytes += ov[c].from_bytes;
			nv[c].to_packets += ov[c].to_packets;
			nv[c].to_bytes += ov[c].to_bytes;
		}
		bpf_map_update_elem(dp->ctr_slots, &ep.flood_slot, nv, BPF_ANY);
	}
out:
	free(ov);
	free(nv);
	close(old);
}

/* Arms the conntrack sweeper (bpf/gc.bpf.c) by running its start program
 * once; running it again restarts the timer. */
static int start_gc(const char *net, struct eb_err *e)
{
	char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 1);
	int fd, err;

	err = open_pin(net, EB_PROG_PIN_GC, &fd, e);
	if (err)
		return err;
	err = bpf_prog_test_run_opts(fd, &opts);
	if (err)
		eb_errf(e, "cannot start the conntrack sweeper: %s", strerror(-err));
	else if (opts.retval)
		eb_errf(e, "cannot start the conntrack sweeper (no timer map)"), err = -EINVAL;
	close(fd);
	return err;
}

/* The built-in objects, each known by the pin of its (first) program. */
static const struct {
	const void *(*elf)(size_t *sz);
	const char *pin;
} eb_objs[] = {
	{ container_bpf__elf_bytes, EB_PROG_PIN_CONTAINER },
	{ uplink_bpf__elf_bytes, EB_PROG_PIN_UPLINK },
	{ uplink_xdp_bpf__elf_bytes, EB_PROG_PIN_XDP },
	{ host_sock_bpf__elf_bytes, "prog_connect4" },
	{ gc_bpf__elf_bytes, EB_PROG_PIN_GC },
};
#define EB_NOBJS (sizeof(eb_objs) / sizeof(eb_objs[0]))

/* Loads and pins the objects of mask (bit i: eb_objs[i]). */
static int load_objs(const char *net, unsigned int mask, const struct eb_dp_sizes *sz,
		     bool verbose, struct eb_err *e)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	char dir[PATH_MAX];
	int err = 0;

	eb_pin_dir(net, dir, sizeof(dir));
	oo.pin_root_path = dir;
	for (size_t i = 0; i < EB_NOBJS && !err; i++) {
		struct bpf_object *obj;
		const void *bytes;
		size_t len;

		if (!(mask & (1U << i)))
			continue;
		bytes = eb_objs[i].elf(&len);
		obj = bpf_object__open_mem(bytes, len, &oo);
		if (!obj) {
			err = -errno;
			eb_errf(e, "cannot open the built-in BPF object %s: %s", eb_objs[i].pin,
				strerror(-err));
			break;
		}
		err = load_and_pin(net, obj, eb_objs[i].pin, sz, verbose, e);
		bpf_object__close(obj);
	}
	return err;
}

/* The maps of a new network, created and pinned with no program: the
 * container object declares all of them but eb_gc. */
static int create_maps(const char *net, const struct eb_dp_sizes *sz, struct eb_err *e)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_map *m;
	char dir[PATH_MAX];
	const void *bytes;
	size_t len;
	int err;

	eb_pin_dir(net, dir, sizeof(dir));
	oo.pin_root_path = dir;
	bytes = eb_objs[0].elf(&len);
	obj = bpf_object__open_mem(bytes, len, &oo);
	if (!obj) {
		err = -errno;
		eb_errf(e, "cannot open the built-in BPF object: %s", strerror(-err));
		return err;
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, false);
	bpf_object__for_each_map(m, obj) {
		if (sz && !strcmp(bpf_map__name(m), EB_MAP_CT_TCP) && sz->ct_tcp)
			bpf_map__set_max_entries(m, sz->ct_tcp);
		if (sz && !strcmp(bpf_map__name(m), EB_MAP_CT_OTHER) && sz->ct_other)
			bpf_map__set_max_entries(m, sz->ct_other);
	}
	err = check_all_maps(net, obj, e);
	if (!err) {
		err = bpf_object__load(obj);
		if (err)
			eb_errf(e, "cannot create the maps of network '%s': %s", net, strerror(-err));
	}
	bpf_object__close(obj);
	return err;
}

/* Programs of a new network, loaded by a thread of their own while `up`
 * prepares its containers: the verifier takes tens of milliseconds. */
struct eb_dp_pending {
	pthread_t th;
	char net[64];
	struct eb_dp_sizes sz;
	bool has_sz, verbose;
	int err;
	struct eb_err e;
};

static void *load_thread(void *arg)
{
	struct eb_dp_pending *p = arg;

	p->err = load_objs(p->net, (1U << EB_NOBJS) - 1, p->has_sz ? &p->sz : NULL, p->verbose,
			   &p->e);
	return NULL;
}

/* Waits for the programs; 0 or their error (in p->e). */
static int pending_join(struct eb_dp *dp)
{
	struct eb_dp_pending *p = dp->pending;
	int err;

	if (!p)
		return 0;
	pthread_join(p->th, NULL);
	err = p->err;
	dp->pending = NULL;
	if (err)
		memcpy(dp->pending_err, p->e.msg, sizeof(dp->pending_err));
	free(p);
	return err;
}

int eb_dp_ensure_begin(const char *net, struct eb_dp *dp, const struct eb_dp_sizes *sz,
		       bool verbose, struct eb_err *e)
{
	char dir[PATH_MAX], p[PATH_MAX];
	unsigned int missing = 0;
	bool upgrade;
	int err;

	eb_dp_init(dp);
	libbpf_set_print(verbose ? libbpf_loud : libbpf_quiet);
	err = eb_dp_mount_bpffs(e);
	if (err)
		return err;
	if (mkdir(EB_PIN_ROOT, 0700) < 0 && errno != EEXIST) {
		err = -errno;
		eb_errf(e, "cannot create '%s': %s", EB_PIN_ROOT, strerror(-err));
		return err;
	}
	eb_pin_dir(net, dir, sizeof(dir));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err = -errno;
		eb_errf(e, "cannot create '%s': %s", dir, strerror(-err));
		return err;
	}

	/* Each object is loaded when its program pin is missing (the first
	 * run, or a run that stopped halfway), and all of them when the
	 * attached programs are of another build (an upgrade). Maps that are
	 * pinned already are reused, the others created and pinned. */
	upgrade = needs_upgrade(net);
	for (size_t i = 0; i < EB_NOBJS; i++) {
		pin_path(net, eb_objs[i].pin, p, sizeof(p));
		if (upgrade || access(p, F_OK) < 0)
			missing |= 1U << i;
	}
	if (!upgrade && missing == (1U << EB_NOBJS) - 1) {
		/* A new network: its maps now, its programs in the background
		 * (eb_dp_ensure_end() waits for them). */
		struct eb_dp_pending *pd = calloc(1, sizeof(*pd));

		if (!pd)
			return -ENOMEM;
		err = create_maps(net, sz, e);
		if (!err)
			err = open_maps(net, dp, e);
		if (err) {
			free(pd);
			eb_dp_close(dp);
			return err;
		}
		snprintf(pd->net, sizeof(pd->net), "%s", net);
		if (sz) {
			pd->sz = *sz;
			pd->has_sz = true;
		}
		pd->verbose = verbose;
		err = -pthread_create(&pd->th, NULL, load_thread, pd);
		if (err) {
			free(pd);
			/* No thread: load them here. */
			err = load_objs(net, missing, sz, verbose, e);
			if (err)
				eb_dp_close(dp);
			return err;
		}
		dp->pending = pd;
		return 0;
	}
	if (upgrade) {
		err = set_aside_small_stats(net, e);
		if (err)
			return err;
	}
	err = load_objs(net, missing, sz, verbose, e);
	if (err)
		return err;
	if (upgrade) {
		err = fill_fdb_v2(net, e);
		if (err)
			return err;
		err = swap_links(net, e);
		if (err)
			return err;
		dp->upgraded = true;
	}
	{
		bool up = dp->upgraded;

		err = eb_dp_open(net, dp, e);
		dp->upgraded = up;
	}
	return err;
}

int eb_dp_ensure_end(const char *net, struct eb_dp *dp, struct eb_err *e)
{
	int err;

	if (dp->prog_container >= 0)
		return 0; /* done already */
	err = pending_join(dp);
	if (err) {
		eb_errf(e, "%s", dp->pending_err);
		return err;
	}
	err = write_build(net, e);
	if (!err)
		err = start_gc(net, e);
	if (!err)
		err = open_pin(net, EB_PROG_PIN_CONTAINER, &dp->prog_container, e);
	if (!err)
		err = open_pin(net, EB_PROG_PIN_UPLINK, &dp->prog_uplink, e);
	if (!err)
		err = open_pin(net, EB_PROG_PIN_XDP, &dp->prog_xdp, e);
	for (int i = 0; !err && i < EB_NSOCK_PROGS; i++)
		err = open_pin(net, eb_sock_progs[i].pin, &dp->prog_sock[i], e);
	return err;
}

int eb_dp_ensure(const char *net, struct eb_dp *dp, const struct eb_dp_sizes *sz, bool verbose,
		 struct eb_err *e)
{
	int err = eb_dp_ensure_begin(net, dp, sz, verbose, e);

	if (!err)
		err = eb_dp_ensure_end(net, dp, e);
	if (err)
		eb_dp_close(dp);
	return err;
}

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

int eb_dp_destroy(const char *net)
{
	char dir[PATH_MAX], p[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;
	int err = 0;

	eb_pin_dir(net, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (unlink(p) < 0 && errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	if (rmdir(dir) < 0 && errno != ENOENT)
		err = -errno;
	/* The root goes when the last network goes; another network keeps it. */
	rmdir(EB_PIN_ROOT);
	return err;
}
