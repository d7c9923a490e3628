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

/* pins.c */
/* buf = the pin of name in the network's folder. */
void pin_path(const char *net, const char *name, char *buf, size_t len);

#endif
