/* SPDX-License-Identifier: GPL-2.0 */
/* What publish.c, pub_maps.c, pub_upgrade.c and host6.c share inside libebnet. */
#ifndef EB_PUB_PRIV_H
#define EB_PUB_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include "ebnet_pub.h"

/* Every entry of eb_pub_ports / eb_pub_ports6, in arrays that pub_free
 * frees; returns the count or a negative errno. */
int pub_load(int fd, struct eb_pub_key **keys, struct eb_pub_val **vals);
int pub6_load(int fd, struct eb_pub6_key **keys, struct eb_pub_val **vals);
void pub_free(void *keys, struct eb_pub_val *vals);

/* The upgrade from eb_published, eb_published6 and eb_port_stats (ports
 * in network order; pub_upgrade.c): the steps of upgrade.c's table. */
int pub_fill_v2(const char *net, struct eb_err *e);
int pub6_fill_v2(const char *net, struct eb_err *e);
void pub_retire_v1(const struct eb_dp *dp, const char *net);
void pub6_retire_v1(const struct eb_dp *dp, const char *net);
void stats_retire_v1(const struct eb_dp *dp, const char *net);

/* The published ports of a network (v6: on one IPv6 address), from the
 * map of this build or, in a network not upgraded yet, from the earlier
 * one with its ports swapped: the count, -ENOENT when the network has no
 * IPv4 map at all, -ENOMEM; pub_free() frees them. */
int pub_load_net(const char *net, bool v6, void **keys, struct eb_pub_val **vals);

/* Does the network still run on eb_published (not upgraded yet, or an
 * upgrade stopped halfway)? */
bool pub_net_is_v1(const char *net);

/* Is a one of this host's IPv6 addresses? 1, 0 or a negative errno. */
int host_has_ip6(const uint8_t a[16]);

#endif
