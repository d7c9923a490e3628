/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the attachments (see attach.c's top comment for the order that
 * makes a stop halfway repairable). Not an API: callers outside loader/
 * use ebnet.h; what the rest of libebnet needs is in net_priv.h. By file:
 *   attach_state.c  the state file of each attachment; `attach ls`, get
 *   attach.c        eb_attach in steps, and what reclaims attachments
 *   detach.c        eb_detach, eb_attach_netns, eb_attach_gc
 *   attach_check.c  eb_attach_check
 */
#ifndef EB_ATTACH_PRIV_H
#define EB_ATTACH_PRIV_H

#include "ebnet.h"
#include "net_priv.h"

/* attach_state.c: what a state file (STATE/attach/NET/NAME) holds. */
struct att_state {
	char id[EB_ATTACH_ID_MAX];
	char owner[16];
	char label[EB_LABEL_MAX];
	char netns[256];
	char ifname[16];
	bool host_peer;
	unsigned long long cookie;
};

/* The folder of net's state files. */
void att_dir(const char *net, char *buf, size_t len);
/* Written atomically (temporary file, fsync, rename); 0 or a negative
 * errno, said in e. */
int att_state_write(const char *net, const char *name, const struct att_state *s,
		    struct eb_err *e);
/* 0, -ENOENT (no file) or -EINVAL (no id in it). */
int att_state_read(const char *net, const char *name, struct att_state *s);
/* The name (in the state dir) of the attachment of id in net, and its
 * state when out is not NULL; -ENOENT if none. */
int att_state_find(const char *net, const char *id, char name[EB_NAME_LEN],
		   struct att_state *out);
/* The network whose state dir has id; -ENOENT if none. */
int att_net_of_id(const char *id, char net[64]);

/* attach.c: reclaiming attachments, under the lock. */
/* Is the record's port still there? */
bool att_alive(struct eb_nl *nl, const struct eb_endpoint *ep);
/* Removes the records eps[0..n) of c in one teardown. */
int att_remove(struct eb_ctx *c, struct eb_endpoint **eps, int n);
/* The attachments of c whose namespace is gone, or, when keep is given,
 * of owner and not listed; state files without a record go too. Returns
 * how many attachments went, or a negative errno. */
int att_gc(struct eb_ctx *c, const char *owner, const char *const *keep, int nkeep);
/* Opens a namespace path (an fd) and makes sure it is a network namespace
 * and not this one; a negative errno said in e. */
int att_open_netns(const char *path, struct eb_err *e);

/* detach.c: opens net under the lock for changes to its attachments;
 * -ENOENT (quietly) if absent. */
int att_open_net(struct eb_ctx *c, const char *net, struct eb_err *e);

#endif
