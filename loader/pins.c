// SPDX-License-Identifier: GPL-2.0
/*
 * The pins of a network under /sys/fs/bpf/ebnet/NET/: its folder, opening
 * its maps (checking their layout against this build's) into struct eb_dp,
 * and removing it all; see dp.h.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp_priv.h"
#include "ebnet_maps.h"

void eb_dp_init(struct eb_dp *dp)
{
	for (int i = 0; i < EB_DP_NMAPS; i++)
		dp->map_fd[i] = -1;
	dp->prog_container = dp->prog_uplink = dp->prog_xdp = -1;
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

void eb_dp_close(struct eb_dp *dp)
{
	int *fds[EB_DP_NMAPS + 4 + EB_NSOCK_PROGS];
	size_t i, n = 0;

	for (i = 0; i < EB_DP_NMAPS; i++)
		fds[n++] = &dp->map_fd[i];
	fds[n++] = &dp->prog_container;
	fds[n++] = &dp->prog_uplink;
	fds[n++] = &dp->prog_xdp;
	fds[n++] = &dp->published6;
	for (i = 0; i < EB_NSOCK_PROGS; i++)
		fds[n++] = &dp->prog_sock[i];
	pending_join(dp); /* never leave a loader thread behind */
	for (i = 0; i < n; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

void eb_pin_dir(const char *net, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", EB_PIN_ROOT, net);
}

void pin_path(const char *net, const char *name, char *buf, size_t len)
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

#define EB_DP_MAP_ROW(id, ident, field, key, value, flags)                                         \
	[EB_DPM_##id] = { EB_MAP_##id, sizeof(value), flags },
const struct eb_map_row eb_dp_maps[EB_DP_NMAPS] = { EB_MAPS_DP(EB_DP_MAP_ROW) };
#undef EB_DP_MAP_ROW

/* EB_MAPF_* of the map of that name, of any list. */
static __u32 map_flags(const char *name)
{
#define EB_FLAGS_DP(id, ident, field, k, v, flags) { EB_MAP_##id, flags },
#define EB_FLAGS(id, ident, k, v, flags)	   { EB_MAP_##id, flags },
	static const struct {
		const char *name;
		__u32 flags;
	} all[] = { EB_MAPS_DP(EB_FLAGS_DP) EB_MAPS_OTHER(EB_FLAGS) EB_MAPS_OWN(EB_FLAGS) };
#undef EB_FLAGS_DP
#undef EB_FLAGS

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(name, all[i].name))
			return all[i].flags;
	return 0;
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
	} else if (map_flags(bpf_map__name(want)) & EB_MAPF_SIZED) {
		/* A setting: take the pinned map's size, so that libbpf reuses it. */
		bpf_map__set_max_entries((struct bpf_map *)want, info.max_entries);
	} else if ((map_flags(bpf_map__name(want)) & EB_MAPF_GROWS) &&
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
	char p[PATH_MAX], c[PATH_MAX];
	int fd, err;

	pin_path(net, name, p, sizeof(p));
	fd = bpf_obj_get(p);
	if (fd >= 0)
		return fd;
	err = -errno;
	if (!e)
		return err;
	/* The network is there but not this map: made by an earlier build,
	 * which did not have it (or named it otherwise). */
	pin_path(net, EB_MAP_CONFIG, c, sizeof(c));
	if (err == -ENOENT && !strncmp(name, "eb_", 3) && strcmp(name, EB_MAP_CONFIG) &&
	    access(c, F_OK) == 0)
		eb_errf(e,
			"cannot open pinned object '%s': %s (network '%s' runs the datapath of an "
			"earlier ebnet; `ebnet up --net %s` upgrades it)",
			p, strerror(-err), net, net);
	else
		eb_errf(e, "cannot open pinned object '%s': %s%s", p, strerror(-err),
			err == -ENOENT ? " (is the network up?)" : "");
	return err;
}

int open_pin(const char *net, const char *name, int *fd, struct eb_err *e)
{
	*fd = eb_pin_open(net, name, e);
	if (*fd < 0) {
		int err = *fd;

		*fd = -1;
		return err;
	}
	return 0;
}

int check_all_maps(const char *net, struct bpf_object *obj, struct eb_err *e)
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
	int err;

	for (int i = 0; i < EB_DP_NMAPS; i++) {
		int *fd = &dp->map_fd[i];

		err = open_pin(net, eb_dp_maps[i].name, fd, e);
		if (err && !lenient)
			return err;
		if (lenient && *fd >= 0) {
			struct bpf_map_info info = {};
			__u32 len = sizeof(info);

			/* Of another layout: not ours to read. */
			if (bpf_obj_get_info_by_fd(*fd, &info, &len) ||
			    info.value_size != eb_dp_maps[i].vsize) {
				close(*fd);
				*fd = -1;
			}
		}
	}
	if (lenient)
		e->msg[0] = 0;
	/* Optional: a network of an earlier build has none until `up`. */
	dp->published6 = eb_pin_open(net, EB_MAP_PUBLISHED6, NULL);
	return 0;
}

int open_maps(const char *net, struct eb_dp *dp, struct eb_err *e)
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
	struct bpf_object *obj;
	int err;

	eb_dp_init(dp);
	obj = open_container_obj(NULL);
	if (!obj) {
		err = -errno;
		eb_errf(e, "cannot open the built-in BPF object: %s", strerror(-err));
		return err;
	}
	err = check_all_maps(net, obj, e);
	bpf_object__close(obj);
	if (!err)
		err = open_maps(net, dp, e);
	if (err)
		eb_dp_close(dp);
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
