/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The health of a network's attachments, as the host has them now: what
 * `ebnet ls` shows and what `ebnet up` repairs. Nothing here changes
 * anything, prints or exits.
 */
#ifndef EB_HEALTH_H
#define EB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "nl.h"
#include "ebnet_maps.h"

/* The id of the program pinned as pin under the network's folder; 0 if none. */
__u32 eb_pinned_prog_id(const char *net, const char *pin);
/* The device (ifindex, 0 when it is gone) and program of a pinned tcx or
 * XDP link; -ENOENT when there is no pin. */
int eb_link_pin_target(const char *net, const char *pin, __u32 *ifindex, __u32 *prog_id);
/* The program of the clsact ingress filter (handle 1, priority prio) of
 * ifindex; -ENOENT when there is none. */
int eb_clsact_prog(int ifindex, __u32 prio, __u32 *prog_id);
/*
 * What is wrong with a container's port: why is "" when nothing, else
 * one phrase ("namespace missing", "program missing (...)", "foreign
 * program on ...", "incomplete ..."). Returns whether the container itself
 * (namespace, veth) is intact, so that only its program needs attaching
 * again. prog_id: the network's eb_from_container (0: not checked).
 */
bool eb_port_state(const char *net, struct eb_nl *nl, const struct eb_endpoint *ep, __u32 prog_id,
		   char *why, size_t len);
/* The uplink's name as `up` recorded it (eb_uplink); "" if none. */
int eb_uplink_name_get(const char *net, char name[16]);
int eb_uplink_name_set(const char *net, const char *name);
/* The uplink device now: the one of the recorded name (or, for a network
 * that has no name recorded, of cfg's ifindex). -ENOENT if there is none. */
int eb_uplink_find(const char *net, struct eb_nl *nl, const struct eb_config *cfg,
		   struct eb_link *l, char name[16]);
/* Is the uplink there with the network's programs on it? why says what
 * is not ("missing (...)", "re-created (...)", "program missing", ...). */
bool eb_uplink_state(const char *net, struct eb_nl *nl, const struct eb_config *cfg, char *why,
		     size_t len);

#endif
