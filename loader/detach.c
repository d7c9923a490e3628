// SPDX-License-Identifier: GPL-2.0
/*
 * Changes to existing attachments: one removed (eb_detach), the namespace
 * of one recorded once it exists (eb_attach_netns), those that are gone
 * or no longer wanted reclaimed (eb_attach_gc). See attach.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <bpf/bpf.h>

#include "attach_priv.h"

/* Opens net under the lock for removals; -ENOENT (quietly) if absent. */
int att_open_net(struct eb_ctx *c, const char *net, struct eb_err *e)
{
	if (!eb_dp_exists(net))
		return -ENOENT;
	return ctx_open(c, net, false, NULL, false, e);
}

int eb_detach(const char *net, const char *id, struct eb_err *e)
{
	char found[64], name[EB_NAME_LEN];
	struct eb_endpoint *ep;
	struct eb_ctx c;
	int lock, err;

	if (!id || !*id)
		return 0;
	lock = eb_lock(e);
	if (lock < 0)
		return lock;
	ctx_zero(&c);
	if (!net) {
		if (att_net_of_id(id, found)) {
			err = 0;
			goto out;
		}
		net = found;
	}
	if (eb_valid_name(net, EB_NAME_LEN)) {
		eb_errf(e, "invalid network name '%s'", net);
		err = -EINVAL;
		goto out;
	}
	err = att_state_find(net, id, name, NULL);
	if (err) {
		err = 0; /* idempotent */
		goto out;
	}
	err = att_open_net(&c, net, e);
	if (err == -ENOENT) {
		eb_att_state_del(net, name);
		err = 0;
		goto out;
	}
	if (err)
		goto out;
	ep = ctx_find_name(&c, name);
	if (ep && (ep->flags & EB_EP_ATTACHED))
		err = att_remove(&c, &ep, 1);
	else
		eb_att_state_del(net, name);
out:
	ctx_close(&c);
	eb_unlock(lock);
	return err;
}

int eb_attach_netns(const char *net, const char *id, const char *netns, struct eb_err *e)
{
	char name[EB_NAME_LEN];
	struct att_state s;
	struct eb_nl nl = {};
	struct eb_ctx c;
	__u32 kind = EB_NS_CONTAINER;
	__u64 cookie = 0;
	socklen_t len = sizeof(cookie);
	int lock, err, nsfd = -1;

	if (eb_valid_name(net, EB_NAME_LEN)) {
		eb_errf(e, "invalid network name '%s'", net);
		return -EINVAL;
	}
	lock = eb_lock(e);
	if (lock < 0)
		return lock;
	ctx_zero(&c);
	err = att_state_find(net, id, name, &s);
	if (err) {
		eb_errf(e, "no attachment %s in network '%s'", id, net);
		goto out;
	}
	err = att_open_net(&c, net, e);
	if (err) {
		if (err == -ENOENT)
			eb_errf(e, "no network '%s'", net);
		goto out;
	}
	nsfd = att_open_netns(netns, e);
	if (nsfd < 0) {
		err = nsfd;
		goto out;
	}
	err = eb_nl_open_in(&nl, nsfd);
	if (err) {
		eb_errf(e, "cannot talk to the namespace '%s': %s", netns, strerror(-err));
		goto out;
	}
	if (getsockopt(mnl_socket_get_fd(nl.sock), SOL_SOCKET, 71 /* SO_NETNS_COOKIE */, &cookie,
		       &len) < 0) {
		err = -errno;
		eb_errf(e, "cannot read the cookie of namespace '%s': %s (Linux 5.14+)", netns,
			strerror(-err));
		goto out;
	}
	/* The map entry is written even when the state says it is done:
	 * the entry may have been lost (a map re-created, removed by hand). */
	if (s.cookie && s.cookie != cookie) {
		__u64 old = s.cookie;

		bpf_map_delete_elem(c.dp.netns, &old);
	}
	if (bpf_map_update_elem(c.dp.netns, &cookie, &kind, BPF_ANY) < 0) {
		err = -errno;
		eb_errf(e, "cannot write map '%s': %s", EB_MAP_NETNS, strerror(-err));
		goto out;
	}
	if (s.cookie == cookie && !strcmp(s.netns, netns))
		goto out; /* the state says so already */
	s.cookie = cookie;
	snprintf(s.netns, sizeof(s.netns), "%s", netns);
	err = att_state_write(net, name, &s, e);
out:
	eb_nl_close(&nl);
	if (nsfd >= 0)
		close(nsfd);
	ctx_close(&c);
	eb_unlock(lock);
	return err;
}

int eb_attach_gc(const char *net, const char *owner, const char *const *keep, int nkeep,
		 struct eb_err *e)
{
	struct eb_ctx c;
	int lock, n;

	lock = eb_lock(e);
	if (lock < 0)
		return lock;
	ctx_zero(&c);
	n = att_open_net(&c, net, e);
	if (n == -ENOENT) {
		/* No network: whatever state it left is stale. */
		eb_att_state_del_net(net);
		n = 0;
	} else if (n == 0) {
		n = att_gc(&c, owner, keep, nkeep);
		if (n < 0 && !e->msg[0])
			eb_errf(e, "cannot reclaim attachments of network '%s': %s", net,
				strerror(-n));
	}
	ctx_close(&c);
	eb_unlock(lock);
	return n;
}
