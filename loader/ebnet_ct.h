/* SPDX-License-Identifier: GPL-2.0 */
/* Conntrack from user space: list, flush, gc. Returns counts or -errno. */
#ifndef EBNET_CT_H
#define EBNET_CT_H

#include <stdint.h>
#include "ebnet.h"

/* The settings a flow's lifetime depends on (eb_config, eb_ct_conf). */
struct eb_ct_cfg {
	struct eb_config cfg;
	struct eb_ct_conf cc;
};

typedef void (*eb_ct_fn)(const struct eb_ct_key *k, const struct eb_ct_entry *v,
			 const struct eb_ct_cfg *cfg, uint64_t now, void *ctx);

uint64_t eb_now_ns(void);
uint64_t eb_ct_lifetime_ns(const struct eb_ct_entry *e, uint8_t proto, const struct eb_ct_cfg *cfg);
const char *eb_ct_state_str(const struct eb_ct_entry *e, uint8_t proto);
int eb_ct_walk(const char *net, eb_ct_fn fn, void *ctx, struct eb_err *e);
/* The IPv6 flows (eb_ct6_tcp, eb_ct6_other), one call per flow. */
typedef void (*eb_ct6_fn)(const struct eb_ct6_key *k, const struct eb_ct6_entry *v,
			  const struct eb_ct_cfg *cfg, uint64_t now, void *ctx);
int eb_ct6_walk(const char *net, eb_ct6_fn fn, void *ctx, struct eb_err *e);
int eb_ct_flush(const char *net, struct eb_err *e);
int eb_ct_gc(const char *net, struct eb_err *e);

#endif
