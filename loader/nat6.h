/* SPDX-License-Identifier: GPL-2.0 */
/* NAT66 in libebnet (loader/nat6.c): the IPv6 conntrack maps' sizes, and
 * the NAT66 settings of eb_config6 (the address to translate to, --nat6). */
#ifndef EBNET_NAT6_H
#define EBNET_NAT6_H

#include <stdbool.h>
#include <bpf/libbpf.h>
#include "dp.h"

struct eb_ctx;
struct eb_up_opts;
struct eb_config6;

/* eb_ct6_tcp and eb_ct6_other take the sizes of eb_ct_tcp and eb_ct_other. */
void eb_nat6_size_map(struct bpf_map *m, const struct eb_dp_sizes *sz);
/* The NAT66 settings into c6 (changed: *dirty): --nat6, --snat-ip6 (on the
 * uplink, or refused), else the uplink's first global IPv6 address (none:
 * all 0, nothing goes out over IPv6). */
int nat6_settings(struct eb_ctx *c, const struct eb_up_opts *o, struct eb_config6 *c6, bool *dirty);
/* --snat-ip6 is an address of the uplink (before anything changes). */
struct eb_config;
struct eb_err;
int nat6_check(const struct eb_up_opts *o, const struct eb_config *cfg, struct eb_err *e);
/* IPv6 forwarding on a container's port only (bpf_fib_lookup answers for
 * packets that come in where it is on): net.ipv6.conf.DEV.forwarding. */
int nat6_port_forwarding(const char *dev);

#endif
