/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A network's IPv6 settings and its containers' IPv6 addresses, for every
 * program that needs them (the socket programs, the uplink's DNAT6).
 */
#ifndef EB_LIB_IP6_H
#define EB_LIB_IP6_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "maps.h"

/* The network's eb_config6 when it carries IPv6, else NULL. */
static __always_inline struct eb_config6 *eb_cfg6(void)
{
	__u32 zero = 0;
	struct eb_config6 *c6 = bpf_map_lookup_elem(&eb_config6, &zero);

	return c6 && (c6->flags & EB_CFG6_ON) ? c6 : NULL;
}

/* The IPv6 address of the container whose IPv4 address is ip4, when it has
 * one: the address `up` stored for it (eb_addr6), and only while eb_ip6
 * lists it as that container's (its port made, the address on its eth0). */
static __always_inline bool eb_ctr_ip6(__u32 ip4, __u32 out[4])
{
	struct eb_ip_key k4 = {};
	struct eb_addr6 *a;
	struct eb_ip6_ep *ep;

	if (!eb_cfg6())
		return false;
	k4.addr = ip4;
	a = bpf_map_lookup_elem(&eb_addr6, &k4);
	if (!a)
		return false;
	__builtin_memcpy(out, a->addr, 16);
	ep = bpf_map_lookup_elem(&eb_ip6, a->addr);
	return ep && ep->ip4 == ip4;
}

/* Is a (16 bytes as on the wire) one of the host's IPv6 addresses, as
 * eb_host6 lists them (::1 and link-local are not)? */
static __always_inline bool eb_host6_has(const void *a)
{
	struct eb_ip6_key k;

	__builtin_memcpy(k.addr, a, 16);
	return bpf_map_lookup_elem(&eb_host6, &k) != NULL;
}

#endif
