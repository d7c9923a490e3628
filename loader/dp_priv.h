/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the datapath files of libebnet, which together make dp.h:
 *   pins.c     the pin folder, opening and checking the pinned maps
 *   load.c     loading the built-in objects, pinning their programs
 *   upgrade.c  upgrade in place: the new programs on every hook, the maps
 *              of earlier layouts carried over and retired
 *   hooks.c    attaching programs: tcx, clsact, XDP, cgroup sock_addr
 * Not an API: callers outside these files use dp.h.
 */
#ifndef EB_DP_PRIV_H
#define EB_DP_PRIV_H

#include "dp.h"

struct bpf_object;
struct bpf_object_open_opts;

/* pins.c */
/* buf = the pin of name in the network's folder. */
void pin_path(const char *net, const char *name, char *buf, size_t len);
/* *fd = the pinned object name of the network (-1 and the errno on failure). */
int open_pin(const char *net, const char *name, int *fd, struct eb_err *e);
/* Every pinned map that obj declares and the network has pinned has the
 * layout obj expects (the sizes that are settings taken from the pins). */
int check_all_maps(const char *net, struct bpf_object *obj, struct eb_err *e);
/* Opens the network's maps into dp. */
int open_maps(const char *net, struct eb_dp *dp, struct eb_err *e);

/* load.c */
/* The built-in container object, opened (not loaded), with oo; NULL and
 * errno on failure. It declares every map of bpf/lib/maps.h. (Its bytes
 * are in load.c alone: each file that includes a skeleton holds a copy.) */
struct bpf_object *open_container_obj(const struct bpf_object_open_opts *oo);
/* Waits for the programs a thread is loading; 0 or their error. */
int pending_join(struct eb_dp *dp);

/* upgrade.c */
/* Do the programs attached now come from another build than this one? */
bool needs_upgrade(const char *net);
/* Records this build in eb_build. */
int write_build(const char *net, struct eb_err *e);
/* The retired maps' steps (EB_MAPS_RETIRED): before the new objects load
 * (eb_stats of fewer counters moved aside), and after (eb_fdb carried over
 * into eb_fdb_v2), before the new programs take over. */
int upgrade_before_load(const char *net, struct eb_err *e);
int upgrade_after_load(const char *net, struct eb_err *e);
/* Every pinned link given the new program. */
int swap_links(const char *net, struct eb_err *e);

/* to[c] += from[c] for the ncpu values of a per-CPU counter: the upgrade
 * adds an old map's counts to its successor's. */
void counters_add(struct eb_counter_val *to, const struct eb_counter_val *from, int ncpu);

#endif
