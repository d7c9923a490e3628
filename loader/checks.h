/* SPDX-License-Identifier: GPL-2.0 */
/* Checks of a new network's settings, before anything is made (checks.c). */
#ifndef EB_CHECKS_H
#define EB_CHECKS_H

#include <stdint.h>
#include "nl.h"
#include "util.h"

/* A subnet that cannot work (multicast, reserved, loopback, link-local,
 * "this network"), or that overlaps another network of this namespace or
 * a route of its main table (the default route excepted): -EINVAL or
 * -EEXIST, with a message naming what it overlaps. */
int eb_check_subnet(struct eb_nl *nl, const char *net, uint32_t subnet, int plen,
		    struct eb_err *e);
/* A device that cannot be an uplink: the loopback, a container's port. */
int eb_check_uplink(const struct eb_link *ul, struct eb_err *e);

#endif
