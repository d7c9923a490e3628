/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside libebnet: the containers' stored IPv6 addresses (addr6.c), for
 * ipv6.c, which puts them in place. Everything here runs under eb_lock().
 */
#ifndef EB_ADDR6_H
#define EB_ADDR6_H

#include <stdbool.h>
#include <stdint.h>
#include "net_priv.h"

/* A network's two address maps (-1: not pinned). */
struct addr6_maps {
	int afd;  /* eb_addr6: IPv4 -> IPv6 */
	int ipfd; /* eb_ip6: IPv6 -> port */
};

/* Addresses that containers have or will have, each with its IPv4 one. */
struct addr6_taken {
	int n, cap;
	struct taken6 {
		uint32_t ip4;
		uint8_t a[16];
	} *e;
};

void addr6_open(const char *net, struct addr6_maps *m);
void addr6_close(struct addr6_maps *m);
/* The address of ip4 as stored; else (a network whose eb_addr6 is not
 * filled yet: made by an earlier build) the one eb_ip6 has for it. */
int addr6_lookup(const struct addr6_maps *m, uint32_t ip4, uint8_t out[16]);
/* Is addr in place as ip4's (its eb_ip6 entry written, with that ip4)? */
bool addr6_in_place(const struct addr6_maps *m, uint32_t ip4, const uint8_t addr[16]);
/* Both maps open, eb_addr6 at least, and what they hold for c's records
 * into t; addr6_end closes and frees them. */
int addr6_begin(struct eb_ctx *c, struct addr6_maps *m, struct addr6_taken *t);
void addr6_end(struct addr6_maps *m, struct addr6_taken *t);
/* The address of a container (ip4): stored; else eb_ip6's, now stored;
 * else, when pick, chosen and stored; -ENOENT otherwise. */
int addr6_resolve(struct eb_ctx *c, const struct eb_config6 *c6, const struct addr6_maps *m,
		  struct addr6_taken *t, uint32_t ip4, bool pick, uint8_t out[16]);

/* A given address for ip4 (an attachment's: eb_attach_req.ip6), checked as
 * `up NAME=IPV4,IPV6`'s are (in the prefix, not its own address nor the
 * gateway, no other container's) and stored with EB_ADDR6_GIVEN. */
int addr6_give(struct eb_ctx *c, const struct eb_config6 *c6, const struct addr6_maps *m,
	       struct addr6_taken *t, uint32_t ip4, const uint8_t want[16]);

/* ipv6.c: the network's IPv6 subnet as it is, or as this `up --ipv6` makes
 * it (exists: the network was there); false when it has none and gains
 * none. */
bool ipv6_c6_of(const char *net, const struct eb_up_opts *o, bool exists, struct eb_config6 *c6);

#endif
