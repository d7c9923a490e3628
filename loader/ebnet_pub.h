/* SPDX-License-Identifier: GPL-2.0 */
/* Published ports from user space; see publish.c. */
#ifndef EBNET_PUB_H
#define EBNET_PUB_H

#include "ebnet.h"

typedef void (*eb_port_fn)(const struct eb_pub_key *k, const struct eb_pub_val *v, void *ctx);

/* Publishes the spec's ports; the network follows from the container.
 * All or nothing. */
int eb_publish(const char *net, const struct eb_pub_spec *sp, char *net_out, size_t netlen,
	       struct eb_err *e);
/* Returns the number of ports removed, or -ENOENT when none was published. */
int eb_unpublish(const char *net, const struct eb_pub_spec *sp, struct eb_err *e);
int eb_ports_walk(const char *net, eb_port_fn fn, void *ctx, struct eb_err *e);
/* The ports published on one IPv6 address of the host (eb_pub_ports6), by
 * protocol, port and address; their count. */
typedef void (*eb_port6_fn)(const struct eb_pub6_key *k, const struct eb_pub_val *v, void *ctx);
int eb_ports_walk6(const char *net, eb_port6_fn fn, void *ctx, struct eb_err *e);
/* eb_host6 as the host's IPv6 addresses are now (publish and up call it):
 * 0 or a negative errno. */
int eb_host6_sync(const char *net);
/* Used by rm: the container's ports and flows go with it. */
void eb_unpublish_container(const struct eb_dp *dp, uint32_t ctr_ip);
/* A container's port changed (up repaired it): its published entries follow. */
void eb_published_reindex(const struct eb_dp *dp, uint32_t ctr_ip, uint32_t ifindex);
/* The same for nctr containers, reading the published map once. */
void eb_published_reindex_many(const struct eb_dp *dp, const uint32_t *ctr_ip,
				const uint32_t *ifindex, int nctr);
/* Removes the conntrack entries (both of each flow) of the flows to the
 * published ports of sp (NULL: none) on its host address (a port on every
 * address: all of them), or of every flow of a container port (ifindex 0:
 * none). How many entries went, or a negative errno (loader/ct.c). */
int eb_ct_forget(const struct eb_dp *dp, const struct eb_pub_spec *sp, uint32_t ifindex);
/* The same for the IPv6 flows (eb_ct6_tcp, eb_ct6_other). */
int eb_ct6_forget(const char *net, const struct eb_pub_spec *sp, uint32_t ifindex);

#endif
