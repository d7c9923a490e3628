/* SPDX-License-Identifier: GPL-2.0 */
/* What publish.c, pub_maps.c and host6.c share inside libebnet. */
#ifndef EB_PUB_PRIV_H
#define EB_PUB_PRIV_H

#include <stdint.h>
#include "ebnet_pub.h"

/* Every entry of eb_published / eb_published6, in arrays that pub_free
 * frees; returns the count or a negative errno. */
int pub_load(int fd, struct eb_pub_key **keys, struct eb_pub_val **vals);
int pub6_load(int fd, struct eb_pub6_key **keys, struct eb_pub_val **vals);
void pub_free(void *keys, struct eb_pub_val *vals);

/* Is a one of this host's IPv6 addresses? 1, 0 or a negative errno. */
int host_has_ip6(const uint8_t a[16]);

#endif
