/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the netlink code (nl.c, nl_link.c, nl_addr.c): a request started
 * in buf (MNL_SOCKET_BUFFER_SIZE bytes) and sent. Not an API: the rest of
 * libebnet uses nl.h.
 */
#ifndef EB_NL_PRIV_H
#define EB_NL_PRIV_H

#include <libmnl/libmnl.h>
#include "nl.h"

/* A request of type with NLM_F_REQUEST and flags, its header in buf. */
struct nlmsghdr *eb_nl_msg(char *buf, int type, int flags);
/* Sends one request and runs the answers through cb until the ACK or DONE;
 * 0 or a negative errno (the kernel's extended ACK in eb_nl_extack()). */
int eb_nl_talk(struct eb_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

#endif
