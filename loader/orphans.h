/* SPDX-License-Identifier: GPL-2.0 */
/* What a network made, found and removed without its pins (orphans.c). */
#ifndef EB_ORPHANS_H
#define EB_ORPHANS_H

#include <stdbool.h>
#include "util.h"

/* Removes the ports of network net (the devices whose alias is
 * "ebnet:NET:..."), their containers' namespaces, and with uplink the
 * network's clsact filter on any other device. *removed: how many. */
int eb_orphans_remove(const char *net, bool uplink, int *removed, struct eb_err *e);

#endif
