// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the built-in BPF objects of a network: its maps created and
 * pinned, its programs loaded (for a new network in a thread of their own
 * while `up` prepares containers) and pinned, the conntrack sweeper
 * started; see dp.h (eb_dp_ensure*).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nat6.h"
#include "dp_priv.h"
#include "ebnet_maps.h"
#include "container.skel.h"
#include "uplink.skel.h"
#include "uplink_xdp.skel.h"
#include "host_sock.skel.h"
#include "gc.skel.h"

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static int libbpf_loud(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

/* The sizes that are settings of `up` (EB_MAPF_SIZED maps), from sz. */
static void set_sizes(struct bpf_object *obj, const struct eb_dp_sizes *sz)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		if (sz && !strcmp(bpf_map__name(m), EB_MAP_CT_TCP) && sz->ct_tcp)
			bpf_map__set_max_entries(m, sz->ct_tcp);
		if (sz && !strcmp(bpf_map__name(m), EB_MAP_CT_OTHER) && sz->ct_other)
			bpf_map__set_max_entries(m, sz->ct_other);
		eb_nat6_size_map(m, sz); /* eb_ct6_*: as their IPv4 twins */
	}
}

/* Loads one object against the network's pins and pins its program. */
static int load_and_pin(const char *net, struct bpf_object *obj, const char *pin,
			const struct eb_dp_sizes *sz, bool verbose, struct eb_err *e)
{
	char p[PATH_MAX], name[128];
	struct bpf_program *prog;
	int err;

	set_sizes(obj, sz);
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

struct bpf_object *open_container_obj(const struct bpf_object_open_opts *oo)
{
	size_t len;
	const void *bytes = eb_objs[0].elf(&len);

	return bpf_object__open_mem(bytes, len, oo);
}

/* The maps of a new network, created and pinned with no program: the
 * container object declares all of them but eb_gc. */
static int create_maps(const char *net, const struct eb_dp_sizes *sz, struct eb_err *e)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	struct bpf_program *prog;
	struct bpf_object *obj;
	char dir[PATH_MAX];
	int err;

	eb_pin_dir(net, dir, sizeof(dir));
	oo.pin_root_path = dir;
	obj = open_container_obj(&oo);
	if (!obj) {
		err = -errno;
		eb_errf(e, "cannot open the built-in BPF object: %s", strerror(-err));
		return err;
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, false);
	set_sizes(obj, sz);
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
int pending_join(struct eb_dp *dp)
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

/* bpffs, /sys/fs/bpf/ebnet and the network's folder in it. */
static int make_pin_dir(const char *net, struct eb_err *e)
{
	char dir[PATH_MAX];
	int err;

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
	return 0;
}

/* A new network: its maps now, its programs in the background
 * (eb_dp_ensure_end() waits for them). */
static int begin_new(const char *net, struct eb_dp *dp, const struct eb_dp_sizes *sz, bool verbose,
		     unsigned int missing, struct eb_err *e)
{
	struct eb_dp_pending *pd = calloc(1, sizeof(*pd));
	int err;

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

int eb_dp_ensure_begin(const char *net, struct eb_dp *dp, const struct eb_dp_sizes *sz,
		       bool verbose, struct eb_err *e)
{
	char p[PATH_MAX];
	unsigned int missing = 0;
	bool upgrade;
	int err;

	eb_dp_init(dp);
	libbpf_set_print(verbose ? libbpf_loud : libbpf_quiet);
	err = make_pin_dir(net, e);
	if (err)
		return err;
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
	if (!upgrade && missing == (1U << EB_NOBJS) - 1)
		return begin_new(net, dp, sz, verbose, missing, e);
	if (upgrade) {
		err = upgrade_before_load(net, e);
		if (err)
			return err;
	}
	err = load_objs(net, missing, sz, verbose, e);
	if (err)
		return err;
	if (upgrade) {
		err = upgrade_after_load(net, e);
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
