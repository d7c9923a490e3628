/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the names code (names.c, resolv.c, dns_wire.c). Not an API: the
 * rest of libebnet uses ebnet_names.h.
 */
#ifndef EB_NAMES_PRIV_H
#define EB_NAMES_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ebnet_names.h"

/* dns_wire.c. "db.web" -> "\2db\3web\0", lowercase unless keep_case.
 * Returns the length (final 0 included) or -EINVAL: an empty label, one
 * over 63 bytes, or over max. */
int eb_dns_wire(const char *name, uint8_t *out, size_t max, bool keep_case);
/* ...and back: "db.web" ("" for the root). */
void eb_dns_wire_text(const uint8_t *w, size_t len, char *out, size_t outlen);

/* resolv.c. The network's eb_dns settings into dc. */
int names_read_cfg(const char *net, struct eb_dns_cfg *dc, struct eb_err *e);
/* The container's resolv.conf: the gateway answers, the domain searched.
 * Written whole (a temporary file renamed over it). */
int names_resolv_write(const char *ctr, uint32_t gw, const struct eb_dns_cfg *dc,
		       struct eb_err *e);

#endif
